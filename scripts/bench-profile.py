"""Summarize `perf script` output of a sweep training run: where its CPU time goes.

Reads the text of `perf script -F tid,ip,sym,dso --no-inline` (samples of the
cpu-clock event with DWARF call stacks) and prints two splits of the samples:

- by the code that was running (the innermost frame): libtorch's compute
  kernels, libtorch's framework code (dispatcher, autograd, allocation), tch's
  C++ wrapper, Rust code, the C runtime and the Linux kernel;
- by the phase of the training loop it belongs to (the frames of its stack):
  evaluation, data batching, forward and loss, backward, optimizer step.

Stacks that end in MKL or oneDNN code cannot be unwound because that code has
no unwind tables, so their phase is counted as unknown.
Started by scripts/bench-profile.
"""

import argparse
import csv
import re
import sys
from collections import Counter

KERNEL_PATTERNS = re.compile(
    r"mkl_|sgemm|SGEMM|dnnl|xbyak|at::native::|at::vec::|cpublas|_kernel|Vectorized|"
    r"sleef|Sleef|mkldnn|jit_")
WRAPPER_PREFIXES = ("at_", "atg_", "ato_", "ats_", "at::", "c10::", "torch::", "std::", "__gnu_cxx")

# Phases, checked in this order. The first whose pattern occurs in a stack wins.
PHASES = [
    ("evaluation", "Loop::evaluate"),
    ("model construction and init", "initial_model"),
    ("optimizer step", "ato_step"),
    ("zero_grad", "ato_zero_grad"),
    ("backward", "at_backward"),
    ("data batching (index_select, permutation)", "index_select|from_slice|shuffle|narrow"),
    ("loss read-back (double_value)", "double_value"),
    ("forward and loss", "Module>::forward|cross_entropy_for_logits"),
]


def read_samples(stream):
    """Yield (tid, frames) per sample; frames run from the innermost outwards as (symbol, dso)."""
    tid, frames = None, []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if tid is not None:
                yield tid, frames
            tid, frames = None, []
            continue
        if not line.startswith("\t"):
            # The header line of a sample: the thread id, right-aligned.
            tid = int(line.split()[0])
            continue
        match = re.match(r"\s*[0-9a-f]+ (.*) \((.*)\)$", line)
        if match:
            frames.append((match.group(1), match.group(2)))
    if tid is not None:
        yield tid, frames


def code_category(symbol, dso):
    """Name the kind of code the innermost frame belongs to."""
    name = dso.rsplit("/", 1)[-1]
    if name.startswith("[kernel"):
        return "Linux kernel"
    if name.startswith(("libc.so", "libstdc++", "ld-linux", "libm.so")):
        return "C runtime (malloc, memcpy, dynamic loader)"
    if name.startswith("libgomp"):
        return "OpenMP runtime"
    if name == "sweep":
        if symbol.startswith(WRAPPER_PREFIXES):
            return "tch C++ wrapper (in the sweep binary)"
        return "Rust code (sweep, tch, rayon, std)"
    # oneDNN generates its convolution kernels at run time, and perf names
    # that code [unknown], //anon or perf-PID.map.
    jit = name in ("[unknown]", "[anon]") or name.startswith(("//anon", "perf-"))
    if jit:
        return "libtorch compute kernels (ATen, MKL, oneDNN)"
    if name.startswith(("libtorch", "libc10")):
        if KERNEL_PATTERNS.search(symbol):
            return "libtorch compute kernels (ATen, MKL, oneDNN)"
        return "libtorch framework (dispatcher, autograd, TensorIterator, allocator)"
    return f"other ({name})"


def phase(frames):
    """Name the training-loop phase of a worker's sample, from its stack."""
    symbols = [symbol for symbol, _ in frames]
    if not any("sweep::" in s or "tch::" in s for s in symbols):
        return "unknown (stack ends in MKL or oneDNN code)"
    joined = "\n".join(symbols)
    for name, pattern in PHASES:
        if re.search(pattern, joined):
            return name
    return "rest of the loop (Rust bookkeeping, divergence watch)"


def table(title, counts, total, out_rows, split):
    print(f"\n{title}")
    for name, count in counts.most_common():
        print(f"  {100 * count / total:5.1f}%  {name}")
        out_rows.append({"split": split, "category": name, "samples": count, "share": count / total})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", help="write the shares to this CSV file")
    parser.add_argument("--label", default="", help="title of the run for the tables")
    args = parser.parse_args()

    samples = list(read_samples(sys.stdin))
    worker_tids = {tid for tid, frames in samples if any("sweep::train::torch" in s for s, _ in frames)}
    worker = [(tid, frames) for tid, frames in samples if tid in worker_tids]
    rows = []
    print(f"{args.label}: {len(samples)} samples, {len(worker)} on the training thread")
    threads = Counter("training thread" if tid in worker_tids else "other threads (start-up, data loading, reports)"
                      for tid, _ in samples)
    table("All samples by thread", threads, len(samples), rows, "thread")
    codes = Counter(code_category(*frames[0]) for _, frames in worker if frames)
    table("Training thread by the code running (innermost frame)", codes, len(worker), rows, "code")
    phases = Counter(phase(frames) for _, frames in worker)
    table("Training thread by phase (from the call stack)", phases, len(worker), rows, "phase")
    if args.csv:
        with open(args.csv, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=["split", "category", "samples", "share"])
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
