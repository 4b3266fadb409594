"""Run sweep's benchmarks and write their figures to results/bench/.

Started by scripts/bench, which builds the release binary first. Every figure
is measured in fresh processes on files this script writes into a temporary
folder, and each measurement is repeated so that the tables can show the
spread (median, minimum and maximum). BENCHMARKS.md explains the sections.

Needs only the Python standard library, GNU time (/usr/bin/time) and Linux's
/proc; the PyTorch side runs in the torch 2.13 environment of scripts/setup.
"""

import argparse
import csv
import gzip
import json
import os
import platform
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SECTIONS = ["training", "sweep", "finder", "divergence", "sharing", "memory"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A thread counts as busy in a sampling interval when it existed at the
# previous sample and ran for at least this share of the interval. Threads that
# start or end within an interval (one pool ending, the next starting) are not
# counted, so that they do not look like two threads running at once.
BUSY_SHARE = 0.5


# ---------------------------------------------------------------- processes


class Measurement:
    """Wall time, CPU time and memory of one process, from GNU time and /proc."""

    def __init__(self, wall, user, system, max_rss_kb, threads, busy_max, worker_rss_kb, samples):
        self.wall = wall
        self.user = user
        self.system = system
        self.max_rss_kb = max_rss_kb
        # CPU seconds per thread id: (name, seconds), from the last sample of each thread.
        self.threads = threads
        # Maximum number of threads busy at once in a sampling interval.
        self.busy_max = busy_max
        # Largest RSS sampled while the rayon pool (threads sweep-worker-N) existed.
        self.worker_rss_kb = worker_rss_kb
        self.samples = samples

    @property
    def worker_cpu(self):
        """CPU seconds of the rayon worker threads (named sweep-worker-N)."""
        return sum(seconds for name, seconds in self.threads.values() if name.startswith("sweep-worker"))

    @property
    def cpu_share(self):
        """CPU time over wall time: 1.0 means one core busy on average."""
        return (self.user + self.system) / self.wall if self.wall > 0 else float("nan")


def child_pid(parent):
    """Return the pid of the single child of `parent`, waiting until it exists."""
    for _ in range(500):
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            return None
        if children:
            return int(children[0])
        time.sleep(0.002)
    return None


def read_threads(pid):
    """Return {tid: (name, cpu seconds)} of a process's threads, and its RSS in kB."""
    threads = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return threads, None
    for tid in tids:
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the name.
        ticks = int(fields[11]) + int(fields[12])
        threads[int(tid)] = (name, ticks / CLOCK_TICKS)
    rss = None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return threads, rss


def measure(command, cwd, interval=0.1, env=None):
    """Run `command` under GNU time, sampling its threads and RSS every
    `interval` seconds. Raises RuntimeError when it exits non-zero."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        process = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", report.name, *command],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        pid = child_pid(process.pid)
        last = {}
        busy_max = 0
        worker_rss = 0
        samples = 0
        previous_time = time.monotonic()
        while process.poll() is None and pid is not None:
            time.sleep(interval)
            threads, rss = read_threads(pid)
            now = time.monotonic()
            elapsed = now - previous_time
            previous_time = now
            if not threads:
                continue
            samples += 1
            busy = sum(
                1 for tid, (_, seconds) in threads.items()
                if tid in last and seconds - last[tid][1] >= BUSY_SHARE * elapsed
            )
            busy_max = max(busy_max, busy)
            if rss and any(name.startswith("sweep-worker") for name, _ in threads.values()):
                worker_rss = max(worker_rss, rss)
            last.update(threads)
        _, stderr = process.communicate()
        fields = parse_gnu_time(Path(report.name).read_text())
    if process.returncode != 0:
        raise RuntimeError(
            f"command failed with exit status {process.returncode}: {' '.join(map(str, command))}\n"
            f"{stderr[-3000:]}")
    return Measurement(
        wall=fields["wall"], user=fields["user"], system=fields["system"],
        max_rss_kb=fields["max_rss_kb"], threads=last, busy_max=busy_max,
        worker_rss_kb=worker_rss or None, samples=samples)


def parse_gnu_time(text):
    """Read wall, user and system seconds and the maximum RSS from `time -v` output."""
    values = {}
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key == "User time (seconds)":
            values["user"] = float(value)
        elif key == "System time (seconds)":
            values["system"] = float(value)
        elif key == "Maximum resident set size (kbytes)":
            values["max_rss_kb"] = int(value)
        elif key.startswith("Elapsed (wall clock) time"):
            parts = [float(p) for p in value.split(":")]
            seconds = 0.0
            for part in parts:
                seconds = seconds * 60 + part
            values["wall"] = seconds
    missing = {"user", "system", "max_rss_kb", "wall"} - values.keys()
    if missing:
        raise RuntimeError(f"GNU time output lacks {sorted(missing)}:\n{text}")
    return values


# ---------------------------------------------------------------- experiment files


def experiment_file(folder, name, *, data, models, lrs, seeds, max_epochs, eval_every,
                    finder=None, validation="test", target=1.0, datasets_name="mnist"):
    """Write an experiment file and return its path.

    The default target, validation accuracy 1.0, cannot be met on these data,
    so every run trains `max_epochs` unless it diverges.
    """
    lines = [
        f'name = "{name}"',
        "",
        f"[datasets.{datasets_name}]",
        f'path = "{data}"',
        f'validation = "{validation}"',
        "",
        "[models.logistic]",
        'kind = "logistic"',
        "[models.mlp]",
        'kind = "mlp"',
        "hidden = [128]",
        "[models.lenet]",
        'kind = "lenet"',
        "",
        "[optimizers.sgd]",
        'kind = "sgd"',
        "",
        "[training]",
        "batch_size = 64",
        f"max_epochs = {max_epochs}",
        f"eval_every = {eval_every}",
        "",
        "[convergence]",
        'metric = "val_accuracy"',
        f"target = {target}",
        "",
        "[finder]",
    ]
    if finder is None:
        lines.append("enabled = false")
    else:
        lines += [f"{key} = {toml_value(value)}" for key, value in finder.items()]
    lines += [
        "",
        "[grid]",
        f"models = {toml_value(models)}",
        f'datasets = ["{datasets_name}"]',
        'optimizers = ["sgd"]',
        f"lr = {toml_value(lrs)}",
        f"seeds = {toml_value(seeds)}",
    ]
    path = Path(folder) / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)


def read_csv(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def idx_count(path):
    """Return the number of items in an IDX file (raw or .gz) from its header."""
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.exists():
            opener = gzip.open if candidate.suffix == ".gz" else open
            with opener(candidate, "rb") as file:
                header = file.read(8)
            return struct.unpack(">I", header[4:8])[0]
    raise FileNotFoundError(f"{path} (raw or .gz) not found")


# ---------------------------------------------------------------- statistics


def spread(values):
    """Return (median, min, max) of the finite values, or NaNs if there are none."""
    values = [v for v in values if v == v]
    if not values:
        return (float("nan"),) * 3
    return statistics.median(values), min(values), max(values)


def fmt(value, digits=3):
    if value is None or value != value:
        return "-"
    if isinstance(value, int):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    return f"{value:.{digits}g}" if magnitude < 1 else f"{value:.2f}"


def fmt_spread(values, digits=3):
    median, low, high = spread(values)
    if len([v for v in values if v == v]) <= 1:
        return fmt(median, digits)
    return f"{fmt(median, digits)} ({fmt(low, digits)}-{fmt(high, digits)})"


def print_table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    for row in [header, *rows]:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


def write_csv(path, rows):
    if not rows:
        return
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# ---------------------------------------------------------------- the bench


class Bench:
    def __init__(self, args):
        self.args = args
        self.root = Path(args.repo).resolve()
        self.out = Path(args.out).resolve()
        self.work = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
        # A copy, so that a rebuild of target/release during the benchmark cannot change it.
        self.sweep = self.work / "sweep"
        shutil.copy2(args.sweep, self.sweep)
        self.python = args.torch_python
        self.pytorch_script = self.root / "scripts" / "bench-pytorch.py"
        self.mnist = self.root / "data" / "mnist"
        self.summary = []
        self.section = None
        self.runs = 0

    def fresh_out(self):
        """Return a new, empty results root for one sweep process."""
        self.runs += 1
        return self.work / f"results-{self.runs}"

    def run_sweep(self, experiment, jobs, subcommand=(), interval=0.1):
        """Run our binary on an experiment file and return the measurement and its results folder."""
        out = self.fresh_out()
        command = [str(self.sweep), *subcommand, "--jobs", str(jobs), "--out", str(out), str(experiment)]
        measurement = measure(command, cwd=self.work, interval=interval)
        name = Path(experiment).stem
        return measurement, out / name

    def run_pytorch(self, mode, python=None, **options):
        command = [python or self.python, str(self.pytorch_script), mode, "--data", str(self.mnist)]
        for key, value in options.items():
            command += [f"--{key.replace('_', '-')}", *map(str, value if isinstance(value, list) else [value])]
        completed = subprocess.run(command, capture_output=True, text=True, cwd=self.work)
        if completed.returncode != 0:
            raise RuntimeError(f"PyTorch side failed: {' '.join(command)}\n{completed.stderr[-3000:]}")
        return json.loads(completed.stdout.strip().splitlines()[-1])

    def add_summary(self, figure, values, unit, target="", met=""):
        median, low, high = spread(values)
        self.summary.append({
            "section": self.section,
            "figure": figure, "median": median, "min": low, "max": high,
            "repeats": len(values), "unit": unit, "target": target, "met": met,
        })

    # ------------------------------------------------------------ training

    def training(self):
        """Measure the samples per second of one run, ours against PyTorch eager, per model."""
        rows = []
        repeats = self.args.repeats
        for model, epochs, lr in (("mlp", self.args.mlp_epochs, 0.05), ("lenet", self.args.lenet_epochs, 0.05)):
            experiment = experiment_file(
                self.work, f"train-{model}", data=self.mnist, models=[model], lrs=[lr], seeds=[1],
                max_epochs=epochs, eval_every=epochs)
            for repeat in range(repeats):
                # Alternate which side goes first, so that drift in machine load hits both.
                order = ("sweep", "pytorch") if repeat % 2 == 0 else ("pytorch", "sweep")
                for side in order:
                    if side == "sweep":
                        _, results = self.run_sweep(experiment, jobs=1)
                        run = read_csv(results / "runs.csv")[0]
                        curves = [c for c in read_csv(results / "curves.csv") if c["run_id"] == run["run_id"]]
                        steps = int(curves[-1]["step"])
                        figures = {
                            "wall_seconds": float(run["wall_seconds"]),
                            "steps": steps,
                            "final_train_loss": float(run["final_train_loss"]),
                            "final_val_accuracy": float(run["final_val_accuracy"]),
                            "evaluations": len(curves),
                        }
                    else:
                        result = self.run_pytorch("train", model=model, epochs=epochs, lr=lr, seed=1)
                        figures = {key: result[key] for key in
                                   ("wall_seconds", "steps", "final_train_loss", "final_val_accuracy", "evaluations")}
                    samples = train_samples(self.mnist) * epochs
                    rows.append({
                        "model": model, "implementation": side, "repeat": repeat + 1, "epochs": epochs,
                        "batch_size": 64, "lr": lr, "samples": samples, **figures,
                        "samples_per_second": samples / figures["wall_seconds"],
                    })
                    print(f"  training {model} {side} repeat {repeat + 1}: "
                          f"{samples / figures['wall_seconds']:,.0f} samples/s", flush=True)

        write_csv(self.out / "training.csv", rows)

        table = []
        for model, target in (("mlp", 1.3), ("lenet", 1.0)):
            ours = [r["samples_per_second"] for r in rows if r["model"] == model and r["implementation"] == "sweep"]
            theirs = [r["samples_per_second"] for r in rows if r["model"] == model and r["implementation"] == "pytorch"]
            ratios = [a / b for a, b in zip(ours, theirs)]
            accuracy = {side: statistics.median(r["final_val_accuracy"] for r in rows
                                                if r["model"] == model and r["implementation"] == side)
                        for side in ("sweep", "pytorch")}
            table.append([model, fmt_spread(ours), fmt_spread(theirs), fmt_spread(ratios), f">= {target}",
                          fmt(accuracy["sweep"]), fmt(accuracy["pytorch"])])
            self.add_summary(f"training {model}: sweep samples/s", ours, "samples/s")
            self.add_summary(f"training {model}: PyTorch eager samples/s", theirs, "samples/s")
            self.add_summary(f"training {model}: sweep / PyTorch", ratios, "ratio", f">= {target}",
                             yes_no(spread(ratios)[0] >= target))

        print_table(
            f"Training throughput, one thread, batch 64, {self.args.repeats} repeats: median (min-max)",
            ["model", "sweep samples/s", "PyTorch samples/s", "ratio", "target", "sweep val acc", "PyTorch val acc"],
            table)

    # ------------------------------------------------------------ sweep

    def sweep_speedup(self):
        """Measure the wall time of a whole fixed sweep with 1 and 2 workers."""
        experiment = experiment_file(
            self.work, "speedup", data=self.mnist, models=["mlp", "lenet"], lrs=[0.01, 0.03, 0.1],
            seeds=[1, 2], max_epochs=self.args.sweep_epochs, eval_every=0.25,
            finder={"end_lr": 0.1, "train_suggestions": False})

        rows = []
        for repeat in range(self.args.sweep_repeats):
            for jobs in ((1, 2) if repeat % 2 == 0 else (2, 1)):
                measurement, results = self.run_sweep(experiment, jobs=jobs)
                runs = read_csv(results / "runs.csv")
                statuses = sorted({r["status"] for r in runs})
                rows.append({
                    "jobs": jobs, "repeat": repeat + 1, "runs": len(runs), "range_tests": 4,
                    "statuses": " ".join(statuses),
                    "wall_seconds": measurement.wall,
                    "user_seconds": measurement.user, "system_seconds": measurement.system,
                    "cpu_per_wall": measurement.cpu_share,
                    "busy_threads_max": measurement.busy_max,
                    "threads_total": len(measurement.threads),
                    "worker_threads": sum(1 for n, _ in measurement.threads.values() if n.startswith("sweep-worker")),
                    "worker_cpu_seconds": measurement.worker_cpu,
                    "other_cpu_seconds": measurement.user + measurement.system - measurement.worker_cpu,
                    "busiest_threads": busiest(measurement.threads),
                    "max_rss_mb": measurement.max_rss_kb / 1024,
                    "sum_run_wall_seconds": sum(float(r["wall_seconds"]) for r in runs),
                })
                print(f"  sweep --jobs {jobs} repeat {repeat + 1}: {measurement.wall:.1f} s, "
                      f"{measurement.cpu_share:.2f} cores busy on average, "
                      f"at most {measurement.busy_max} threads busy at once", flush=True)

        write_csv(self.out / "sweep.csv", rows)
        walls = {jobs: [r["wall_seconds"] for r in rows if r["jobs"] == jobs] for jobs in (1, 2)}
        speedups = [a / b for a, b in zip(walls[1], walls[2])]

        ceilings = self.parallel_ceiling()

        table = []
        for jobs in (1, 2):
            selected = [r for r in rows if r["jobs"] == jobs]
            table.append([
                jobs, selected[0]["runs"], fmt_spread(walls[jobs]),
                fmt_spread([r["cpu_per_wall"] for r in selected]),
                max(r["busy_threads_max"] for r in selected),
                fmt_spread([r["sum_run_wall_seconds"] for r in selected]),
                fmt_spread([r["max_rss_mb"] for r in selected]),
            ])

        print_table(
            f"Whole sweep ({rows[0]['runs']} runs and 4 range tests), {self.args.sweep_repeats} repeats: "
            f"speed-up {fmt_spread(speedups)} (target >= 1.8)",
            ["jobs", "runs", "wall s", "CPU s / wall s", "max busy threads", "sum of run wall s", "max RSS MB"],
            table)
        for jobs in (1, 2):
            self.add_summary(f"sweep --jobs {jobs}: wall", walls[jobs], "s")
            self.add_summary(f"sweep --jobs {jobs}: CPU time / wall time",
                             [r["cpu_per_wall"] for r in rows if r["jobs"] == jobs], "cores")
        self.add_summary("sweep: speed-up from 1 to 2 workers", speedups, "ratio", ">= 1.8",
                         yes_no(spread(speedups)[0] >= 1.8))
        self.add_summary("two independent one-run processes: throughput over one alone", ceilings, "ratio",
                         "2.0 on 2 idle cores")

    def parallel_ceiling(self):
        """Measure the throughput of two independent `sweep --jobs 1`
        processes, each training one LeNet epoch, over one such process alone.

        The two share nothing, so the ratio is what two cores of this machine
        give to two single-threaded libtorch trainings. It is the ceiling for
        the speed-up of one process with 2 workers.
        """
        experiment = experiment_file(
            self.work, "ceiling", data=self.mnist, models=["lenet"], lrs=[0.05], seeds=[1],
            max_epochs=1, eval_every=1)

        rows = []
        for repeat in range(self.args.sweep_repeats):
            for copies in (1, 2):
                outs = [self.fresh_out() for _ in range(copies)]
                processes = [
                    subprocess.Popen([str(self.sweep), "--jobs", "1", "--out", str(out), str(experiment)],
                                     cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                    for out in outs]
                for process in processes:
                    _, stderr = process.communicate()
                    if process.returncode != 0:
                        raise RuntimeError(f"sweep failed with exit status {process.returncode}:\n{stderr[-3000:]}")
                walls = [float(read_csv(out / "ceiling" / "runs.csv")[0]["wall_seconds"]) for out in outs]
                rows.append({"repeat": repeat + 1, "processes": copies, "run_wall_seconds": max(walls),
                             "runs_per_second": copies / max(walls)})

        write_csv(self.out / "ceiling.csv", rows)
        alone = [r["runs_per_second"] for r in rows if r["processes"] == 1]
        together = [r["runs_per_second"] for r in rows if r["processes"] == 2]
        ratios = [b / a for a, b in zip(alone, together)]
        print(f"  two independent one-run processes at once: {fmt_spread(ratios)} x the throughput of one alone")
        if spread(ratios)[0] < 1.8:
            print("  warning: two independent processes got less than 1.8 x, so other processes took one "
                  "of the cores; the speed-up above measures the machine's load, not sweep", file=sys.stderr)
        return ratios

    # ------------------------------------------------------------ finder

    def finder(self):
        """Time one range test of 100 iterations on the MLP: ours, a minimal PyTorch loop and fastai's."""
        settings = {"start_lr": 1e-7, "end_lr": 0.1, "num_it": 100}
        experiment = experiment_file(
            self.work, "finder", data=self.mnist, models=["mlp"], lrs=[0.05], seeds=[1],
            max_epochs=1, eval_every=1, finder=settings)

        fastai_python = Path(self.args.fastai_venv) / "bin" / "python"
        fastai_ready = fastai_python.exists() and subprocess.run(
            [str(fastai_python), "-c", "import fastai"], capture_output=True).returncode == 0
        if not fastai_ready:
            print(f"  fastai is not installed in {self.args.fastai_venv}; timing the minimal loop only. "
                  "scripts/check-finder-fastai installs it.")
        sides = ["sweep", "pytorch"] + (["fastai"] if fastai_ready else [])
        options = {"model": "mlp", "start_lr": settings["start_lr"], "end_lr": settings["end_lr"],
                   "num_it": settings["num_it"], "seed": 1}

        rows = []
        for repeat in range(self.args.repeats):
            for side in (sides if repeat % 2 == 0 else list(reversed(sides))):
                if side == "sweep":
                    _, results = self.run_sweep(experiment, jobs=1, subcommand=("find",))
                    record = json.loads(next((results / "records").glob("*.json")).read_text())
                    figures = {"iterations": len(record["points"]), "stop_reason": record["stop_reason"],
                               "wall_seconds": record["wall_seconds"]}
                elif side == "pytorch":
                    figures = self.run_pytorch("find", **options)
                else:
                    figures = self.run_pytorch("find-fastai", python=str(fastai_python), **options)
                    figures["stop_reason"] = "completed" if figures["iterations"] == settings["num_it"] else "stopped"
                rows.append({
                    "implementation": side, "repeat": repeat + 1, "model": "mlp",
                    "iterations": figures["iterations"], "stop_reason": figures["stop_reason"],
                    "wall_seconds": figures["wall_seconds"],
                    "iterations_per_second": figures["iterations"] / figures["wall_seconds"],
                })

        write_csv(self.out / "finder.csv", rows)

        names = {"sweep": "sweep find", "pytorch": "PyTorch minimal loop", "fastai": "fastai 2.8.12 lr_find"}

        table = []
        ours = [r["wall_seconds"] for r in rows if r["implementation"] == "sweep"]
        for side in sides:
            walls = [r["wall_seconds"] for r in rows if r["implementation"] == side]
            iterations = sorted({r["iterations"] for r in rows if r["implementation"] == side})
            ratio = [b / a for a, b in zip(ours, walls)]
            table.append([names[side], " ".join(map(str, iterations)), fmt_spread(walls),
                          fmt_spread([r["iterations_per_second"] for r in rows if r["implementation"] == side]),
                          fmt_spread(ratio)])
            self.add_summary(f"finder mlp: {names[side]} wall", walls, "s")

        print_table(
            f"Range test, MLP, 100 iterations from 1e-7 to 0.1, {self.args.repeats} repeats",
            ["implementation", "iterations", "wall s", "iterations/s", "wall / sweep's"], table)

    # ------------------------------------------------------------ divergence

    def divergence(self):
        """Measure how long runs at diverging rates train before they stop,
        against one evaluation interval of a run at a stable rate."""
        eval_every = 0.25
        experiment = experiment_file(
            self.work, "divergence", data=self.mnist, models=["mlp", "lenet"], lrs=[0.05, 10.0, 100.0],
            seeds=[1], max_epochs=1, eval_every=eval_every)

        rows = []
        for repeat in range(self.args.repeats):
            _, results = self.run_sweep(experiment, jobs=1)
            runs = read_csv(results / "runs.csv")
            curves = read_csv(results / "curves.csv")
            per_epoch = -(-train_samples(self.mnist) // 64)
            interval_steps = round(eval_every * per_epoch)
            for model in ("mlp", "lenet"):
                stable = next(r for r in runs if r["model"] == model and float(r["lr"]) == 0.05)
                stable_curve = [c for c in curves if c["run_id"] == stable["run_id"]]
                # The stable run trains one epoch: (its evaluations - 1) intervals.
                interval_seconds = float(stable["wall_seconds"]) / (len(stable_curve) - 1)
                for run in runs:
                    if run["model"] != model or float(run["lr"]) == 0.05:
                        continue
                    curve = [c for c in curves if c["run_id"] == run["run_id"]]
                    rows.append({
                        "repeat": repeat + 1, "model": model, "lr": float(run["lr"]), "status": run["status"],
                        "stop_step": int(curve[-1]["step"]), "interval_steps": interval_steps,
                        "wall_seconds": float(run["wall_seconds"]),
                        "interval_seconds": interval_seconds,
                        "wall_in_intervals": float(run["wall_seconds"]) / interval_seconds,
                        "note": run["note"],
                    })

        write_csv(self.out / "divergence.csv", rows)

        table = []
        for model in ("mlp", "lenet"):
            for lr in (10.0, 100.0):
                selected = [r for r in rows if r["model"] == model and r["lr"] == lr]
                table.append([model, lr, " ".join(sorted({r["status"] for r in selected})),
                              " ".join(sorted({str(r["stop_step"]) for r in selected})),
                              selected[0]["interval_steps"],
                              fmt_spread([r["wall_seconds"] for r in selected]),
                              fmt_spread([r["interval_seconds"] for r in selected]),
                              fmt_spread([r["wall_in_intervals"] for r in selected])])

        print_table(
            "Diverging runs: steps trained before the stop and their cost in evaluation intervals "
            f"(interval = {eval_every} epoch of a run at lr 0.05)",
            ["model", "lr", "status", "stop step", "interval steps", "wall s", "interval s", "wall / interval"],
            table)

        diverged = [r for r in rows if r["status"] == "diverged"]
        within = all(r["stop_step"] <= r["interval_steps"] for r in diverged) and len(diverged) == len(rows)
        self.add_summary("diverging runs: wall time in evaluation intervals",
                         [r["wall_in_intervals"] for r in rows], "intervals", "<= 1", yes_no(within))

    # ------------------------------------------------------------ sharing

    def sharing(self):
        """Measure the RSS while training with 1, 2 and 4 workers on
        Fashion-MNIST (70,000 images). A copy of the dataset per worker would
        add its size for every worker."""
        data = self.root / "data" / "fashion-mnist"
        if not data.exists():
            print(f"  {data} is missing; run scripts/setup to fetch it. Skipping the data-sharing check.")
            return
        images = idx_count(data / "train-images-idx3-ubyte") + idx_count(data / "t10k-images-idx3-ubyte")
        dataset_mb = images * (28 * 28 * 4 + 8) / 2**20
        experiment = experiment_file(
            self.work, "sharing", data=data, models=["logistic"],
            lrs=[0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04],
            seeds=[1], max_epochs=0.5, eval_every=0.5, datasets_name="fashion")

        rows = []
        for repeat in range(self.args.repeats):
            for jobs in (1, 2, 4):
                measurement, _ = self.run_sweep(experiment, jobs=jobs, interval=0.05)
                rows.append({
                    "jobs": jobs, "repeat": repeat + 1, "dataset_mb": dataset_mb,
                    "rss_while_training_mb": (measurement.worker_rss_kb or 0) / 1024,
                    "max_rss_mb": measurement.max_rss_kb / 1024,
                    "wall_seconds": measurement.wall,
                })

        write_csv(self.out / "sharing.csv", rows)

        base = {r["repeat"]: r["rss_while_training_mb"] for r in rows if r["jobs"] == 1}

        table = []
        for jobs in (1, 2, 4):
            selected = [r for r in rows if r["jobs"] == jobs]
            extra = [r["rss_while_training_mb"] - base[r["repeat"]] for r in selected]
            table.append([jobs, fmt_spread([r["rss_while_training_mb"] for r in selected]),
                          fmt_spread(extra), fmt_spread([r["max_rss_mb"] for r in selected])])
            if jobs > 1:
                self.add_summary(f"data sharing: RSS added by {jobs} workers over 1", extra, "MB",
                                 f"< {dataset_mb:.0f} (one dataset copy)",
                                 yes_no(spread(extra)[1] < dataset_mb / 2))

        print_table(
            f"Dataset sharing: Fashion-MNIST in memory is {dataset_mb:.0f} MB (float32 images, int64 labels)",
            ["jobs", "RSS while training MB", "added over --jobs 1 MB", "max RSS MB (incl. loading)"], table)

    # ------------------------------------------------------------ memory

    def memory(self):
        """Measure the peak RSS of the default experiment with 2 workers."""
        experiment = self.root / "experiments" / "mnist.toml"
        out = self.fresh_out()
        command = [str(self.sweep), "--jobs", "2", "--out", str(out), str(experiment)]
        print("  sweep --jobs 2 experiments/mnist.toml (about 2 minutes)", flush=True)
        measurement = measure(command, cwd=self.root, interval=0.5)
        results = out / "mnist"
        runs = read_csv(results / "runs.csv")
        statuses = {}
        for run in runs:
            statuses[run["status"]] = statuses.get(run["status"], 0) + 1
        row = {
            "jobs": 2, "runs": len(runs), "wall_seconds": measurement.wall,
            "user_seconds": measurement.user, "system_seconds": measurement.system,
            "cpu_per_wall": measurement.cpu_share, "busy_threads_max": measurement.busy_max,
            "max_rss_mb": measurement.max_rss_kb / 1024,
            "rss_while_training_mb": (measurement.worker_rss_kb or 0) / 1024,
            "statuses": " ".join(f"{k}={v}" for k, v in sorted(statuses.items())),
        }

        write_csv(self.out / "memory.csv", [row])
        # Kept for the cost of its diverged runs: wall_seconds and the note of each run.
        shutil.copy2(results / "runs.csv", self.out / "default-sweep-runs.csv")

        diverged = [r for r in runs if r["status"] == "diverged"]

        print_table(
            "Default experiment (experiments/mnist.toml), --jobs 2, one run",
            ["runs", "wall s", "CPU s / wall s", "max RSS MB", "RSS while training MB", "statuses"],
            [[row["runs"], fmt(row["wall_seconds"]), fmt(row["cpu_per_wall"]), fmt(row["max_rss_mb"]),
              fmt(row["rss_while_training_mb"]), row["statuses"]]])
        if diverged:
            print(f"  {len(diverged)} diverged runs took {fmt_spread([float(r['wall_seconds']) for r in diverged])} s each")
        self.add_summary("default sweep --jobs 2: wall", [measurement.wall], "s")
        self.add_summary("default sweep --jobs 2: max RSS", [row["max_rss_mb"]], "MB", "< 1536",
                         yes_no(row["max_rss_mb"] < 1536))

    # ------------------------------------------------------------ machine

    def machine(self, load_before):
        model = "unknown"
        try:
            for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
                if line.startswith("Model name:"):
                    model = line.split(":", 1)[1].strip()
        except OSError:
            pass
        commit = subprocess.run(["git", "-C", str(self.root), "describe", "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()
        torch_version = subprocess.run(
            [self.python, "-W", "ignore", "-c", "import torch; print(torch.__version__)"],
            capture_output=True, text=True).stdout.strip()
        return {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "cpu_model": model,
            "cores": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "kernel": platform.release(),
            "torch": torch_version,
            "commit": commit,
            "load_average_before": load_before,
            "load_average_after": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        }

    def run(self, sections):
        self.out.mkdir(parents=True, exist_ok=True)
        load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
        if os.getloadavg()[0] > 0.5:
            print(f"warning: load average {load_before} before the benchmark; other processes "
                  "will slow some measurements and widen the spread", file=sys.stderr)
        started = time.monotonic()
        steps = {"training": self.training, "sweep": self.sweep_speedup, "finder": self.finder,
                 "divergence": self.divergence, "sharing": self.sharing, "memory": self.memory}
        try:
            for section in sections:
                print(f"\n== {section}", flush=True)
                self.section = section
                steps[section]()
        finally:
            if not self.args.keep_work:
                shutil.rmtree(self.work, ignore_errors=True)
        machine = self.machine(load_before)
        (self.out / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
        self.summary = merge_summary(self.out / "summary.csv", self.summary, sections)

        write_csv(self.out / "summary.csv", self.summary)

        print_table(
            f"Summary ({machine['cpu_model']}, {machine['cores']} cores, torch {machine['torch']}, "
            f"load average before {machine['load_average_before']}, after {machine['load_average_after']})",
            ["figure", "median", "min", "max", "n", "unit", "target", "met"],
            [[s["figure"], fmt(s["median"]), fmt(s["min"]), fmt(s["max"]), s["repeats"], s["unit"],
              s["target"], s["met"]] for s in self.summary])
        print(f"\nwrote {self.out}/ in {time.monotonic() - started:.0f} s")


def merge_summary(path, rows, sections):
    """Return the summary rows of this run, after the stored rows of the
    sections it did not run, so that `--sections` updates only its own rows."""
    kept = []
    if path.exists():
        kept = [r for r in read_csv(path) if r.get("section") in SECTIONS and r["section"] not in sections]
        for row in kept:
            for key in ("median", "min", "max"):
                row[key] = float(row[key]) if row[key] else float("nan")
    order = {section: i for i, section in enumerate(SECTIONS)}
    return sorted(kept + rows, key=lambda r: order[r["section"]])


def train_samples(data):
    return idx_count(Path(data) / "train-labels-idx1-ubyte")


def busiest(threads):
    """Name the three threads with the most CPU time, with their seconds."""
    ranked = sorted(threads.values(), key=lambda item: -item[1])[:3]
    return " ".join(f"{name}={seconds:.1f}" for name, seconds in ranked)


def yes_no(condition):
    return "yes" if condition else "no"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", required=True, help="root of the sweep checkout")
    parser.add_argument("--sweep", required=True, help="the release binary to measure")
    parser.add_argument("--torch-python", required=True, help="Python of the torch 2.13 environment")
    parser.add_argument("--fastai-venv", required=True, help="environment with fastai 2.8.12, if installed")
    parser.add_argument("--out", required=True, help="folder for the CSV files")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--skip-memory", action="store_true",
                        help="leave out the memory section, a sweep of experiments/mnist.toml (about 2 minutes)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each short measurement")
    parser.add_argument("--sweep-repeats", type=int, default=2, help="repeats of the --jobs 1 and 2 sweeps")
    parser.add_argument("--mlp-epochs", type=int, default=30)
    parser.add_argument("--lenet-epochs", type=int, default=3)
    parser.add_argument("--sweep-epochs", type=float, default=2)
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary folder of experiment files")
    args = parser.parse_args()
    sections = [s for s in args.sections.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; expected some of {','.join(SECTIONS)}")
    if args.skip_memory and "memory" in sections:
        sections.remove("memory")
    return args, sections


def main():
    args, sections = parse_args()
    Bench(args).run(sections)


if __name__ == "__main__":
    main()
