//! When a run evaluates: every `eval_every` epochs, counted in optimizer steps.

/// Optimizer steps in one epoch (the last batch may be smaller).
pub fn steps_per_epoch(samples: usize, batch_size: usize) -> u64 {
    samples.div_ceil(batch_size) as u64
}

/// Lists the steps after which to evaluate, strictly increasing, ending at the last
/// step of `max_epochs`. Step 0 (before training) is not included.
pub fn evaluation_steps(steps_per_epoch: u64, eval_every: f64, max_epochs: f64) -> Vec<u64> {
    let total = (max_epochs * steps_per_epoch as f64).round().max(1.0) as u64;
    let mut steps = Vec::new();
    let mut k = 1u64;
    loop {
        let step = ((k as f64) * eval_every * steps_per_epoch as f64).round() as u64;
        if step >= total {
            break;
        }
        if step > 0 && steps.last() != Some(&step) {
            steps.push(step);
        }
        k += 1;
    }
    steps.push(total);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_per_epoch_counts_partial_batch() {
        assert_eq!(steps_per_epoch(100, 10), 10);
        assert_eq!(steps_per_epoch(101, 10), 11);
        assert_eq!(steps_per_epoch(5, 10), 1);
    }

    #[test]
    fn quarter_epochs() {
        assert_eq!(
            evaluation_steps(100, 0.25, 2.0),
            vec![25, 50, 75, 100, 125, 150, 175, 200]
        );
    }

    #[test]
    fn interval_finer_than_a_step() {
        // 3 steps per epoch, evaluate every 0.1 epoch: at most one evaluation per step.
        assert_eq!(evaluation_steps(3, 0.1, 1.0), vec![1, 2, 3]);
    }

    #[test]
    fn last_step_always_included() {
        assert_eq!(evaluation_steps(10, 0.3, 1.0), vec![3, 6, 9, 10]);
        assert_eq!(evaluation_steps(10, 1.0, 0.5), vec![5]);
    }
}
