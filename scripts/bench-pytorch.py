"""PyTorch eager-mode counterpart of `sweep`'s training loop and range test,
for scripts/bench.

It mirrors src/train (model.rs, init.rs, torch.rs, find.rs) operation for
operation. It uses the same architectures and init ranges, a shuffled
permutation per epoch with `index_select` per batch, plain SGD, cross-entropy
and one intra-op thread. It evaluates before the first update and every
`eval_every` epochs on the whole validation set in chunks of 512, and it
checks the same divergence watch after every batch.
The timed region starts before the model is built and ends when training ends,
as `wall_seconds` in sweep's runs.csv does. Loading the data is not timed.

Prints one JSON object on stdout. Needs only torch and the standard library.
"""

import argparse
import gzip
import json
import math
import os
import struct
import sys
import tempfile
import time
import warnings
from pathlib import Path

# The torch wheel warns at import when NumPy is missing, but this script does not use NumPy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch
import torch.nn.functional as F
from torch import nn

EVAL_CHUNK = 512
# Smoothing of the divergence watch (src/train/monitor.rs).
LOSS_SMOOTHING = 0.9


def read_idx(folder, stem):
    """Read an IDX file, raw or gzip-compressed, into a uint8 tensor of its shape."""
    for name in (stem, stem + ".gz"):
        path = Path(folder) / name
        if path.exists():
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as file:
                data = file.read()
            break
    else:
        sys.exit(f"error: {stem} (raw or .gz) not found in {folder}")
    _zero, kind, ndim = struct.unpack(">HBB", data[:4])
    if kind != 0x08:
        sys.exit(f"error: {stem}: expected unsigned byte data (0x08), found type 0x{kind:02x}")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).view(*shape)


def load_mnist(folder):
    """Load the train and t10k splits as sweep's Dataset::from_splits does.

    Pixels are divided by 255 and standardized with the mean and population
    standard deviation of the training pixels. Images are [n, 1, h, w]
    float32 and labels int64.
    """
    train_pixels = read_idx(folder, "train-images-idx3-ubyte")
    train_labels = read_idx(folder, "train-labels-idx1-ubyte")
    val_pixels = read_idx(folder, "t10k-images-idx3-ubyte")
    val_labels = read_idx(folder, "t10k-labels-idx1-ubyte")
    scaled = train_pixels.double() / 255.0
    mean = scaled.mean().item()
    std = scaled.std(correction=0).item() or 1.0

    def images(pixels):
        n, rows, cols = pixels.shape
        return (pixels.float().view(n, 1, rows, cols) / 255.0 - mean) / std

    return images(train_pixels), train_labels.long(), images(val_pixels), val_labels.long()


def build_model(kind, hidden, shape, classes):
    """Build the network of src/train/model.rs."""
    channels, height, width = shape
    flat = channels * height * width
    if kind == "logistic":
        return nn.Sequential(nn.Flatten(), nn.Linear(flat, classes))
    if kind == "mlp":
        layers = [nn.Flatten()]
        inputs = flat
        for size in hidden:
            layers += [nn.Linear(inputs, size), nn.ReLU()]
            inputs = size
        layers.append(nn.Linear(inputs, classes))
        return nn.Sequential(*layers)
    if kind == "lenet":
        features = 16 * ((height // 2 - 4) // 2) * ((width // 2 - 4) // 2)
        return nn.Sequential(
            nn.Conv2d(channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(features, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, classes),
        )
    sys.exit(f"error: unknown model kind {kind!r}; expected logistic, mlp or lenet")


def initialize(model, seed):
    """Fill every parameter from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) in name
    order, the ranges of src/train/init.rs (and of PyTorch's default init)."""
    generator = torch.Generator().manual_seed(seed)
    parameters = dict(model.named_parameters())
    with torch.no_grad():
        for name in sorted(parameters):
            weight_name = name[: -len("bias")] + "weight" if name.endswith("bias") else name
            fan_in = max(1, math.prod(parameters[weight_name].shape[1:]))
            bound = 1.0 / math.sqrt(fan_in)
            parameters[name].uniform_(-bound, bound, generator=generator)


def evaluation_steps(steps_per_epoch, eval_every, max_epochs):
    """Return the steps after which to evaluate, computed as in src/train/schedule.rs."""
    total = max(1, round(max_epochs * steps_per_epoch))
    steps = []
    k = 1
    while True:
        step = round(k * eval_every * steps_per_epoch)
        if step >= total:
            break
        if step > 0 and (not steps or steps[-1] != step):
            steps.append(step)
        k += 1
    steps.append(total)
    return steps


def evaluate(model, val_images, val_labels):
    """Return the validation loss and accuracy, in chunks of EVAL_CHUNK."""
    n = val_labels.shape[0]
    loss_sum = 0.0
    correct = 0.0
    with torch.no_grad():
        for start in range(0, n, EVAL_CHUNK):
            length = min(EVAL_CHUNK, n - start)
            images = val_images.narrow(0, start, length)
            labels = val_labels.narrow(0, start, length)
            logits = model(images)
            loss = F.nll_loss(F.log_softmax(logits, -1), labels, reduction="sum")
            loss_sum += loss.item()
            correct += logits.argmax(-1).eq(labels).sum(dtype=torch.float32).item()
    return loss_sum / n, correct / n


class DivergenceWatch:
    """The divergence rule of src/train/monitor.rs, checked after every batch."""

    def __init__(self, factor):
        self.factor = factor
        self.initial = None
        self.average = 0.0
        self.batches = 0

    def diverged(self, loss):
        if not math.isfinite(loss):
            return True
        if self.initial is None:
            self.initial = loss
        self.batches += 1
        self.average = LOSS_SMOOTHING * self.average + (1 - LOSS_SMOOTHING) * loss
        smoothed = self.average / (1 - LOSS_SMOOTHING ** self.batches)
        return smoothed > self.factor * self.initial


def train(args, data):
    """Train one run like src/train/torch.rs and return its figures."""
    train_images, train_labels, val_images, val_labels = data
    samples = train_labels.shape[0]
    started = time.perf_counter()
    model = build_model(args.model, args.hidden, train_images.shape[1:], args.classes)
    initialize(model, args.seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    per_epoch = math.ceil(samples / args.batch_size)
    schedule = evaluation_steps(per_epoch, args.eval_every, args.epochs)
    last_step = schedule[-1]
    pending = iter(schedule)
    next_eval = next(pending)
    shuffle = torch.Generator().manual_seed(args.seed)
    watch = DivergenceWatch(args.loss_factor)
    evaluations = 0
    step = 0
    trained = 0
    loss_sum, loss_count = 0.0, 0
    train_loss = val_loss = val_accuracy = float("nan")
    diverged = False

    while step < last_step and not diverged:
        permutation = torch.randperm(samples, generator=shuffle)
        for start in range(0, samples, args.batch_size):
            length = min(args.batch_size, samples - start)
            indices = permutation.narrow(0, start, length)
            images = train_images.index_select(0, indices)
            labels = train_labels.index_select(0, indices)
            batch_loss = F.cross_entropy(model(images), labels)
            loss = batch_loss.item()
            if step == 0:
                val_loss, val_accuracy = evaluate(model, val_images, val_labels)
                evaluations += 1
            optimizer.zero_grad()
            batch_loss.backward()
            optimizer.step()
            step += 1
            trained += length
            loss_sum += loss
            loss_count += 1
            if watch.diverged(loss):
                train_loss = loss_sum / loss_count
                val_loss, val_accuracy = evaluate(model, val_images, val_labels)
                evaluations += 1
                diverged = True
                break
            if step == next_eval:
                next_eval = next(pending, None)
                val_loss, val_accuracy = evaluate(model, val_images, val_labels)
                evaluations += 1
                train_loss = loss_sum / loss_count
                loss_sum, loss_count = 0.0, 0
            if step == last_step:
                break
    wall_seconds = time.perf_counter() - started
    return {
        "steps": step,
        "samples": trained,
        "evaluations": evaluations,
        "diverged": diverged,
        "final_train_loss": train_loss,
        "final_val_loss": val_loss,
        "final_val_accuracy": val_accuracy,
        "wall_seconds": wall_seconds,
    }


def lr_at(args, iteration):
    """Return the rate of an iteration on fastai's schedule: start * (end / start) ** (i / num_it)."""
    return args.start_lr * (args.end_lr / args.start_lr) ** (iteration / args.num_it)


def find(args, data):
    """Run the range test like src/train/find.rs: the seed's batches at
    increasing rates, fastai's smoothing and stop rule, weights restored."""
    train_images, train_labels, _, _ = data
    samples = train_labels.shape[0]
    started = time.perf_counter()
    model = build_model(args.model, args.hidden, train_images.shape[1:], args.classes)
    initialize(model, args.seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.start_lr)
    saved = {name: p.detach().clone() for name, p in model.named_parameters()}
    shuffle = torch.Generator().manual_seed(args.seed)
    average, best, iteration, stop = 0.0, math.inf, 0, None

    while stop is None:
        permutation = torch.randperm(samples, generator=shuffle)
        for start in range(0, samples, args.batch_size):
            lr = lr_at(args, iteration)
            for group in optimizer.param_groups:
                group["lr"] = lr
            length = min(args.batch_size, samples - start)
            indices = permutation.narrow(0, start, length)
            images = train_images.index_select(0, indices)
            labels = train_labels.index_select(0, indices)
            batch_loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            batch_loss.backward()
            optimizer.step()
            loss = batch_loss.item()
            iteration += 1
            average = args.beta * average + (1 - args.beta) * loss
            smoothed = average / (1 - args.beta ** iteration)
            best = min(best, smoothed)
            if not math.isfinite(loss):
                stop = "non_finite"
            elif smoothed > args.diverge_factor * best:
                stop = "diverged"
            elif iteration >= args.num_it:
                stop = "completed"
            if stop is not None:
                break

    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(saved[name])
    wall_seconds = time.perf_counter() - started
    return {"iterations": iteration, "stop_reason": stop, "wall_seconds": wall_seconds}


def find_fastai(args, data):
    """Run fastai's real `Learner.lr_find` on the same model and batches.

    The training batches come from a loader that yields `index_select`
    batches of a shuffled permutation, as sweep does, so the figure measures
    fastai's Learner, callbacks and optimizer rather than its per-item
    collation. fastai saves the weights to a file before the test and loads
    them after it; that is timed too.
    """
    from fastai.basics import Learner, DataLoaders, SGD
    from fastai.callback.progress import ProgressCallback
    from fastai.callback.schedule import valley  # noqa: F401 (registers lr_find)

    train_images, train_labels, val_images, val_labels = data

    class IndexSelectLoader:
        """The minimum of a fastai DataLoader that Learner.fit uses."""

        def __init__(self, images, labels, batch_size, seed):
            self.images, self.labels, self.bs = images, labels, batch_size
            self.n = labels.shape[0]
            self.device = torch.device("cpu")
            self.shuffle = torch.Generator().manual_seed(seed)

        def __len__(self):
            return math.ceil(self.n / self.bs)

        def __iter__(self):
            permutation = torch.randperm(self.n, generator=self.shuffle)
            for start in range(0, self.n, self.bs):
                indices = permutation.narrow(0, start, min(self.bs, self.n - start))
                yield self.images.index_select(0, indices), self.labels.index_select(0, indices)

        def to(self, device):
            return self

    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        model = build_model(args.model, args.hidden, train_images.shape[1:], args.classes)
        initialize(model, args.seed)
        loaders = DataLoaders(
            IndexSelectLoader(train_images, train_labels, args.batch_size, args.seed),
            IndexSelectLoader(val_images, val_labels, args.batch_size, args.seed),
        )
        learner = Learner(loaders, model, loss_func=nn.CrossEntropyLoss(), opt_func=SGD,
                          path=workdir, cbs=[])
        learner.remove_cb(ProgressCallback)
        result = learner.lr_find(start_lr=args.start_lr, end_lr=args.end_lr, num_it=args.num_it,
                                 show_plot=False)
        wall_seconds = time.perf_counter() - started
    iterations = len(learner.recorder.losses)
    return {"iterations": iterations, "suggestion": float(result[0]), "wall_seconds": wall_seconds}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["train", "find", "find-fastai"])
    parser.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--model", default="mlp", choices=["logistic", "mlp", "lenet"])
    parser.add_argument("--hidden", type=int, nargs="*", default=[128], help="mlp hidden layer sizes")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--epochs", type=float, default=1.0, help="max_epochs")
    parser.add_argument("--eval-every", type=float, help="epochs between evaluations (default: --epochs)")
    parser.add_argument("--loss-factor", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start-lr", type=float, default=1e-7)
    parser.add_argument("--end-lr", type=float, default=10.0)
    parser.add_argument("--num-it", type=int, default=100)
    parser.add_argument("--beta", type=float, default=0.98)
    parser.add_argument("--diverge-factor", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args()
    if args.eval_every is None:
        args.eval_every = args.epochs
    return args


def import_optimizer_machinery():
    """Construct a throwaway torch.optim optimizer before the timed region.

    The first torch.optim optimizer of a process imports torch._dynamo (about
    2.5 s in torch 2.13 on the benchmark machine). A Python sweep pays that
    once per process, not once per run, so the per-run figures leave it out.
    """
    torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    data = load_mnist(args.data)
    import_optimizer_machinery()
    run = {"train": train, "find": find, "find-fastai": find_fastai}[args.mode]
    result = run(args, data)
    result.update(mode=args.mode, model=args.model, train_samples=int(data[1].shape[0]),
                  threads=torch.get_num_threads(), torch=torch.__version__)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
