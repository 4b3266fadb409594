//! Locks on a results folder that let the shards of one grid write to it
//! together, while refusing two processes of the same shard.
//!
//! A sweep of the whole grid holds an exclusive flock on `DIR/.lock`
//! ([`ResultsLock`]). A shard holds a shared flock on `DIR/.lock`, so that
//! shards and a sweep of the whole grid exclude each other. It also holds an
//! exclusive flock on `DIR/.lock-shard-K-of-N`, so that each shard runs in
//! one process at a time.
//! Distinct shards write distinct records, each atomically, so they do not
//! conflict. The kernel releases every flock when its process ends, however it
//! ends.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Shard;
use crate::records::ResultsLock;

/// The lock a sweep holds on its results folder until it ends.
pub enum FolderLock {
    /// A sweep of the whole grid.
    Whole(ResultsLock),
    /// One shard: the shared folder lock and the shard's own file.
    Shard { _folder: fs::File, _shard: fs::File },
}

impl FolderLock {
    /// Locks `dir` for the whole grid when `shard` is `None`, or for one shard.
    pub fn acquire(dir: &Path, shard: Option<Shard>) -> anyhow::Result<FolderLock> {
        match shard {
            None => Ok(FolderLock::Whole(ResultsLock::acquire(dir)?)),
            Some(shard) => acquire_shard(dir, shard),
        }
    }
}

/// Returns the name of the lock file of `shard`.
pub fn shard_lock_name(shard: Shard) -> String {
    format!(".lock-shard-{}-of-{}", shard.index, shard.count)
}

fn acquire_shard(dir: &Path, shard: Shard) -> anyhow::Result<FolderLock> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the results folder {}", dir.display()))?;

    let folder_path = dir.join(".lock");
    let folder = open_lock_file(&folder_path)?;
    match folder.try_lock_shared() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => anyhow::bail!(
            "a sweep of the whole grid{} is writing to {}; wait for it to finish, \
             or give the shards another folder with --out",
            owner(&folder_path),
            dir.display()
        ),
        Err(fs::TryLockError::Error(error)) => {
            return Err(error).with_context(|| format!("cannot lock {}", folder_path.display()));
        }
    }
    // The whole-grid lock writes its process id here. Shards clear it, so that
    // the error of a whole-grid sweep started now names no finished process.
    folder.set_len(0)?;

    let shard_path = dir.join(shard_lock_name(shard));
    let mut shard_file = open_lock_file(&shard_path)?;
    match shard_file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => anyhow::bail!(
            "shard {shard} is already running{} on {}; a shard runs in one process at a time",
            owner(&shard_path),
            dir.display()
        ),
        Err(fs::TryLockError::Error(error)) => {
            return Err(error).with_context(|| format!("cannot lock {}", shard_path.display()));
        }
    }
    shard_file.set_len(0)?;
    write!(shard_file, "{}", process_description())?;

    // NOTE: two shards with different counts that start at the same moment
    // can both pass this check. It catches a new array started while an older
    // one with another count still runs.
    if let Some((other, path)) = running_shard_with_other_count(dir, shard.count)? {
        anyhow::bail!(
            "shard {other}{} is running on {} with a different shard count than {shard}; \
             the shards that share a folder must all have the same N in K/N, \
             so wait for it to finish or choose another folder with --out",
            owner(&path),
            dir.display()
        );
    }
    Ok(FolderLock::Shard {
        _folder: folder,
        _shard: shard_file,
    })
}

fn open_lock_file(path: &Path) -> anyhow::Result<fs::File> {
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("cannot create the lock file {}", path.display()))
}

/// Formats ` (process P on HOST)` from a lock file, or nothing when it is empty.
fn owner(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(" (process {text})")
    }
}

/// Describes this process for lock files: its id, and its host when known,
/// because the shards of a cluster share the folder from several hosts.
fn process_description() -> String {
    let id = std::process::id();
    match fs::read_to_string("/proc/sys/kernel/hostname") {
        Ok(host) if !host.trim().is_empty() => format!("{id} on {}", host.trim()),
        _ => id.to_string(),
    }
}

/// Finds a shard lock of another count that a running process holds.
fn running_shard_with_other_count(
    dir: &Path,
    count: usize,
) -> anyhow::Result<Option<(Shard, PathBuf)>> {
    let entries =
        fs::read_dir(dir).with_context(|| format!("cannot list the folder {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let Some(other) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(parse_shard_lock_name)
        else {
            continue;
        };
        if other.count == count {
            continue;
        }
        let file = open_lock_file(&path)?;
        if let Err(fs::TryLockError::WouldBlock) = file.try_lock() {
            return Ok(Some((other, path)));
        }
    }
    Ok(None)
}

/// Parses `.lock-shard-K-of-N` back into its shard.
fn parse_shard_lock_name(name: &str) -> Option<Shard> {
    let rest = name.strip_prefix(".lock-shard-")?;
    let (index, count) = rest.split_once("-of-")?;
    Shard::new(index.parse().ok()?, count.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(index: usize, count: usize) -> Option<Shard> {
        Some(Shard::new(index, count).unwrap())
    }

    fn error_of(result: anyhow::Result<FolderLock>) -> String {
        match result {
            Ok(_) => panic!("the lock was granted"),
            Err(error) => format!("{error:#}"),
        }
    }

    #[test]
    fn distinct_shards_share_folder() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path(), shard(0, 2)).unwrap();
        let second = FolderLock::acquire(dir.path(), shard(1, 2)).unwrap();
        drop((first, second));
    }

    #[test]
    fn same_shard_is_rejected_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path(), shard(1, 3)).unwrap();
        let message = error_of(FolderLock::acquire(dir.path(), shard(1, 3)));
        assert!(
            message.contains("shard 1/3 is already running"),
            "{message}"
        );
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        drop(first);
        assert!(FolderLock::acquire(dir.path(), shard(1, 3)).is_ok());
    }

    #[test]
    fn whole_grid_and_shards_exclude_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let whole = FolderLock::acquire(dir.path(), None).unwrap();
        let message = error_of(FolderLock::acquire(dir.path(), shard(0, 2)));
        assert!(message.contains("a sweep of the whole grid"), "{message}");
        drop(whole);

        let shard_lock = FolderLock::acquire(dir.path(), shard(0, 2)).unwrap();
        let message = error_of(FolderLock::acquire(dir.path(), None));
        assert!(message.contains("another sweep"), "{message}");
        assert!(
            !message.contains("process"),
            "the folder lock names no stale process: {message}"
        );
        drop(shard_lock);
        assert!(FolderLock::acquire(dir.path(), None).is_ok());
    }

    #[test]
    fn other_shard_count_is_rejected_while_running() {
        let dir = tempfile::tempdir().unwrap();
        let running = FolderLock::acquire(dir.path(), shard(1, 2)).unwrap();
        let message = error_of(FolderLock::acquire(dir.path(), shard(0, 3)));
        assert!(message.contains("shard 1/2"), "{message}");
        assert!(message.contains("different shard count"), "{message}");
        drop(running);
        assert!(
            FolderLock::acquire(dir.path(), shard(0, 3)).is_ok(),
            "a finished shard's lock file does not block"
        );
    }

    #[test]
    fn shard_lock_names_round_trip() {
        for (index, count) in [(0, 1), (3, 4), (12, 100)] {
            let shard = Shard::new(index, count).unwrap();
            assert_eq!(parse_shard_lock_name(&shard_lock_name(shard)), Some(shard));
        }
        for name in [".lock", ".lock-shard-2-of-2", ".lock-shard-a-of-2", "x"] {
            assert_eq!(parse_shard_lock_name(name), None, "{name}");
        }
    }
}
