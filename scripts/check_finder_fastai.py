"""Compare `sweep`'s learning-rate finder (src/finder) with fastai and Lightning.

Each case is a sequence of raw batch losses. fastai 2.8's real
`Learner.lr_find` trains a one-parameter model whose loss function returns
those losses in turn, so its schedule, smoothing, stop rule, trimming and its
`valley`, `slide`, `minimum` and `steep` run unchanged. Lightning 2.6.6's
`_LRFinder.suggestion` runs on fastai's recorded curve. The Rust side
(`finder::crosscheck`) records the same raw losses with `RangeTest` and
suggests from both its own curve and fastai's.

Run through scripts/check-finder-fastai, which prepares the Python environment
and runs the Rust side. Exits non-zero when a case disagrees where the two are
meant to agree.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
# Lightning logs an error for curves too short for its suggestion; the
# comparison reports those cases itself.
import logging
logging.getLogger("lightning.pytorch.tuner.lr_finder").setLevel(logging.CRITICAL)

import numpy as np
import torch
from fastai.basics import Learner, DataLoaders, SGD, nn
from fastai.callback.schedule import minimum, slide, steep, valley
from lightning.pytorch.tuner.lr_finder import _LRFinder

FASTAI_METHODS = {"valley": valley, "slide": slide, "minimum": minimum, "steep": steep}
ALL_METHODS = ["valley", "slide", "minimum", "steep", "lightning_steep"]
# fastai computes in float32 and sweep in f64: smoothed losses agree to about
# float32 precision, and a suggested lr is fastai's lr rounded to float32.
SMOOTHED_RELATIVE_TOLERANCE = 1e-5
LR_RELATIVE_TOLERANCE = 1e-6


def default_settings(**overrides):
    settings = {"start_lr": 1e-7, "end_lr": 10.0, "num_it": 100, "beta": 0.98, "diverge_factor": 4.0}
    settings.update(overrides)
    return settings


def typical_curve(rng, settings):
    """Return raw losses shaped like a real range test: a plateau, a fall, a
    minimum and an explosion, with multiplicative noise."""
    num_it = settings["num_it"]
    log_start = math.log10(settings["start_lr"])
    log_end = math.log10(settings["end_lr"])
    x = log_start + (log_end - log_start) * np.arange(num_it) / num_it
    span = log_end - log_start
    initial = rng.uniform(0.5, 3.0)
    drop = rng.uniform(0.5, 0.9)
    fall_at = log_start + span * rng.uniform(0.15, 0.6)
    fall_width = span * rng.uniform(0.04, 0.2)
    explode_at = fall_at + span * rng.uniform(0.15, 0.55)
    explode_rate = rng.uniform(1.0, 4.0) * 8 / span
    noise = rng.choice([0.0, 0.01, 0.03, 0.08])
    base = initial * (1 - drop / (1 + np.exp(-(x - fall_at) / fall_width * 4)))
    base = base + initial * np.exp(np.minimum((x - explode_at) * explode_rate, 30))
    return base * (1 + noise * rng.standard_normal(num_it))


def build_cases():
    rng = np.random.default_rng(20240607)
    cases = []

    def add(name, settings, raw, expected_difference=None):
        cases.append({
            "name": name,
            "settings": settings,
            "raw": [float(v) for v in raw],
            "expected_difference": expected_difference,
        })

    for seed in range(30):
        settings = default_settings()
        add(f"typical-{seed:02d}", settings, typical_curve(rng, settings))
    for num_it in [20, 30, 50, 64, 200]:
        settings = default_settings(num_it=num_it)
        add(f"num_it-{num_it}", settings, typical_curve(rng, settings))
    for start_lr, end_lr in [(1e-5, 1.0), (1e-8, 1.0), (1e-4, 100.0)]:
        settings = default_settings(start_lr=start_lr, end_lr=end_lr)
        add(f"range-{start_lr:g}-{end_lr:g}", settings, typical_curve(rng, settings))
    for beta in [0.0, 0.9, 0.995]:
        settings = default_settings(beta=beta)
        add(f"beta-{beta:g}", settings, typical_curve(rng, settings))

    settings = default_settings()
    falling = np.linspace(2.3, 0.3, 100) * (1 + 0.02 * rng.standard_normal(100))
    add("monotone-falling", settings, falling)
    for nan_at in [40, 60, 93, 97]:
        raw = typical_curve(rng, settings)
        raw[:nan_at] = np.minimum(raw[:nan_at], 2.0)
        raw[nan_at:] = np.nan
        add(f"nan-from-{nan_at}", settings, raw)
    raw = np.linspace(2.0, 0.5, 100)
    raw[55] = np.inf
    add("inf-at-55", settings, raw)

    # Differences by design, shown for the record.
    add("negative-losses", settings, np.linspace(-0.5, -2.0, 100),
        "fastai stops at the first batch because s > 4·s for any negative s")
    add("positive-to-negative", settings, np.linspace(1.0, -1.0, 100),
        "fastai stops once the best smoothed loss turns negative")
    add("zero-best-beta-0", default_settings(beta=0.0),
        np.concatenate([np.linspace(1.0, 0.0, 30), np.full(70, 0.01)]),
        "fastai stops as soon as the loss rises above a best of 0")
    add("all-zero-then-rise", settings, np.concatenate([np.zeros(40), np.linspace(0.001, 1.0, 60)]),
        "both stop at the first rise, then fastai suggests from an all-zero window "
        "and sweep reports a flat curve")
    add("flat", settings, np.full(100, 0.7),
        "fastai returns an end of a flat curve, sweep returns no suggestion")
    return cases


class ScriptedLoss:
    """Loss function that returns the next raw loss of a case. The product
    with the prediction keeps the graph connected, so backward and the
    optimizer step run, but the parameter's gradient is always 0."""

    def __init__(self, raw):
        self.values = iter(raw)

    def __call__(self, prediction, target):
        value = torch.tensor(next(self.values), dtype=torch.float32)
        return prediction.sum() * 0 + value


class OneParameter(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x * self.weight


def fastai_lr_find(case, workdir, method):
    """Run fastai's `lr_find` on a case with one suggestion method, and return
    the learner and the suggestion (an "lr" or an "error")."""
    settings = case["settings"]
    num_it = settings["num_it"]
    batches = [(torch.zeros(1), torch.zeros(1)) for _ in range(num_it + 10)]
    dls = DataLoaders.from_dsets(batches, batches[:2], bs=1, device="cpu")
    learn = Learner(dls, OneParameter(), loss_func=ScriptedLoss(case["raw"]), opt_func=SGD, path=workdir)
    learn.recorder.smooth_loss.beta = settings["beta"]
    with learn.no_bar():
        try:
            result = learn.lr_find(
                start_lr=settings["start_lr"], end_lr=settings["end_lr"], num_it=num_it,
                show_plot=False, suggest_funcs=(FASTAI_METHODS[method],))
            suggestion = {"lr": float(getattr(result, method))}
        except (IndexError, ValueError, RuntimeError) as error:
            # fastai's methods raise on windows too short for them.
            suggestion = {"error": f"{type(error).__name__}: {error}"}
    return learn, suggestion


def run_fastai(case, workdir):
    suggestions = {}
    for method in FASTAI_METHODS:
        learn, suggestions[method] = fastai_lr_find(case, workdir, method)
    lrs = [float(v) for v in learn.recorder.lrs]
    losses = [float(v) for v in learn.recorder.losses]

    settings = case["settings"]
    lightning = _LRFinder("exponential", settings["start_lr"], settings["end_lr"], settings["num_it"])
    lightning.results = {"lr": lrs, "loss": losses}
    lightning_lr = lightning.suggestion()
    suggestions["lightning_steep"] = (
        {"lr": float(lightning_lr)} if lightning_lr is not None else {"error": "too few points"})
    return {"lrs": lrs, "losses": losses, "suggestions": suggestions}


def run_rust(repo, cases, references, workdir):
    cases_path = Path(workdir) / "cases.json"
    outcomes_path = Path(workdir) / "outcomes.json"
    payload = [{
        "name": case["name"],
        "settings": case["settings"],
        "raw_losses": [repr(v) for v in case["raw"]],
        "reference_lrs": [repr(v) for v in reference["lrs"]],
        "reference_losses": [repr(v) for v in reference["losses"]],
    } for case, reference in zip(cases, references)]
    cases_path.write_text(json.dumps(payload))
    env = dict(os.environ, SWEEP_FINDER_CROSSCHECK_IN=str(cases_path),
               SWEEP_FINDER_CROSSCHECK_OUT=str(outcomes_path))
    subprocess.run(
        ["cargo", "test", "--quiet", "--lib", "finder::crosscheck::", "--", "--ignored"],
        cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)
    return json.loads(outcomes_path.read_text())


def point_index(lrs, lr):
    """Return the index of the recorded lr nearest to `lr` on a log scale."""
    return min(range(len(lrs)), key=lambda i: abs(math.log(lrs[i]) - math.log(lr)))


def point_of(method, lrs, suggestion):
    if "lr" not in suggestion:
        return None
    lr = float(suggestion["lr"])
    return point_index(lrs, lr * 10 if method == "minimum" else lr)


def relative_difference(a, b):
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


def compare(case, reference, ours):
    """Return (problems, facts) for one case."""
    problems, facts = [], {}
    our_lrs = [float(v) for v in ours["lrs"]]
    our_smoothed = [float(v) for v in ours["smoothed_losses"]]
    ref_lrs, ref_losses = reference["lrs"], reference["losses"]

    facts["points"] = (len(our_lrs), len(ref_lrs))
    shared = min(len(our_lrs), len(ref_lrs))
    facts["lrs_bit_equal"] = all(our_lrs[i] == ref_lrs[i] for i in range(shared))
    finite = [i for i in range(shared) if math.isfinite(ref_losses[i]) and math.isfinite(our_smoothed[i])]
    facts["smoothed_max_rel"] = max((relative_difference(our_smoothed[i], ref_losses[i]) for i in finite), default=0.0)

    fastai_continues_after_nan = ours["stop_reason"] == "non_finite" and math.isnan(our_smoothed[-1])
    if len(our_lrs) != len(ref_lrs) and not fastai_continues_after_nan:
        problems.append(f"recorded {len(our_lrs)} points, fastai {len(ref_lrs)}")
    if not facts["lrs_bit_equal"]:
        problems.append("learning rates differ")
    if facts["smoothed_max_rel"] > SMOOTHED_RELATIVE_TOLERANCE:
        problems.append(f"smoothed losses differ by up to {facts['smoothed_max_rel']:.2e}")

    facts["methods"] = {}
    for method in ALL_METHODS:
        ref = reference["suggestions"][method]
        ref_point = point_of(method, ref_lrs, ref)
        own_point = point_of(method, our_lrs, ours["own"][method]) if our_lrs else None
        on_ref_point = point_of(method, ref_lrs, ours["on_reference"][method])
        value_rel = None
        if "lr" in ref and "lr" in ours["own"][method]:
            value_rel = relative_difference(float(ours["own"][method]["lr"]), ref["lr"])
        facts["methods"][method] = (ref_point, own_point, on_ref_point, value_rel)
        if ref_point != own_point:
            own = ours["own"][method]
            detail = f"lr {own['lr']}" if "lr" in own else f"error: {own['error'][:60]}..."
            problems.append(f"{method}: fastai/Lightning point {ref_point}, ours {own_point} ({detail})")
        elif ref_point != on_ref_point:
            problems.append(f"{method}: on fastai's curve ours picks point {on_ref_point}, "
                            f"the reference {ref_point}")
        elif value_rel is not None and value_rel > LR_RELATIVE_TOLERANCE:
            problems.append(f"{method}: same point but lr differs by {value_rel:.2e}")
    return problems, facts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parent.parent),
                        help="repository root of sweep (default: this script's parent folder)")
    parser.add_argument("--verbose", action="store_true", help="print every case, not only disagreements")
    args = parser.parse_args()

    cases = build_cases()
    with tempfile.TemporaryDirectory(prefix="finder-crosscheck-") as workdir:
        references = [run_fastai(case, workdir) for case in cases]
        outcomes = run_rust(args.repo, cases, references, workdir)

    agree_counts = {method: 0 for method in ALL_METHODS}
    compared = {method: 0 for method in ALL_METHODS}
    max_value_rel = {method: 0.0 for method in ALL_METHODS}
    smoothed_max_rel = 0.0
    lrs_bit_equal = 0
    unexpected = 0
    for case, reference, ours in zip(cases, references, outcomes):
        problems, facts = compare(case, reference, ours)
        if case["expected_difference"] is None:
            smoothed_max_rel = max(smoothed_max_rel, facts["smoothed_max_rel"])
            lrs_bit_equal += facts["lrs_bit_equal"]
            for method, (ref_point, own_point, _, value_rel) in facts["methods"].items():
                compared[method] += 1
                agree_counts[method] += ref_point == own_point
                if value_rel is not None:
                    max_value_rel[method] = max(max_value_rel[method], value_rel)
        points = facts["points"]
        if not problems:
            status = "ok"
        elif case["expected_difference"]:
            status = "expected difference"
        else:
            status = "DISAGREES"
        if problems and case["expected_difference"] is None:
            unexpected += 1
        if args.verbose or problems:
            print(f"{case['name']:<20} {status}: ours {points[0]} points ({ours['stop_reason']}), "
                  f"fastai {points[1]}")
            if case["expected_difference"]:
                print(f"    by design: {case['expected_difference']}")
            for problem in problems:
                print(f"    {problem}")

    compared_cases = sum(case["expected_difference"] is None for case in cases)
    print()
    print(f"{compared_cases} cases compared ({len(cases) - compared_cases} more differ by design), "
          f"smoothed losses within {smoothed_max_rel:.2e} relative of fastai's float32 values")
    print(f"learning rates bit-identical to fastai's in {lrs_bit_equal}/{compared_cases} cases")
    for method in ALL_METHODS:
        print(f"{method:<16} same point in {agree_counts[method]}/{compared[method]} cases, "
              f"suggested lr within {max_value_rel[method]:.2e} relative")
    print(f"{unexpected} unexpected disagreements")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
