"""Engine benchmark: time per epoch of LayerLab's NumPy engine against PyTorch
(same thread count) and scikit-learn's MLP, as ratios measured in one run.

Every library trains the same network on the same float32 data with Adam and
the same batch size; each figure is the median epoch of a few. The reference
case runs at one thread (a full pool: one per job) and at every core (a lone
job, which gets the idle cores), the small cases at one thread. The reference's
epoch is also given as a share of one GEMM's speed measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from threadpoolctl import threadpool_limits

from app.engine import TrainingConfig, build_mlp, fit
from app.engine.optimizers import Adam
from bench.engine_profile import step_shares


@dataclass(frozen=True)
class Case:
    name: str
    rows: int
    features: int
    hidden: tuple[int, ...]
    outputs: int  # 1 with task "binary" or "regression"; classes with "multiclass"
    task: str
    batch_size: int
    epochs_per_round: int
    target: str  # what the issue asks of LayerLab against PyTorch
    threads: int = 1
    with_sklearn: bool = True

    def flops_per_epoch(self) -> float:
        """Multiply-adds × 2 of one epoch's matrix products: forward, weight and input gradients."""
        widths = [self.features, *self.hidden, self.outputs]
        pairs = list(zip(widths, widths[1:], strict=False))
        per_row = sum(a * b for a, b in pairs) * 2 + sum(a * b for a, b in pairs[1:])
        return 2.0 * per_row * self.rows


ROUNDS = 4  # libraries take turns, a round each, so all see the same load on a shared machine
ALL_CORES = os.cpu_count() or 1
REFERENCE = Case("reference: 67,000×50, 50→256→256→10, batch 256", 67_000, 50, (256, 256), 10,
                 "multiclass", 256, 1, "≤ 0.50× PyTorch's time")
CASES = [
    REFERENCE,
    replace(REFERENCE, name=f"reference at {ALL_CORES} threads (a lone job)", threads=ALL_CORES,
            with_sklearn=False),
    Case("small: 1,000×10, 10→32→16→1 binary, batch 32", 1_000, 10, (32, 16), 1,
         "binary", 32, 25, "≥ 5× faster than PyTorch"),  # 100 epochs in all
    Case("regression: 20,000×8, 8→64→64→1 MSE, batch 128", 20_000, 8, (64, 64), 1,
         "regression", 128, 2, "≥ 4× faster than PyTorch"),
]

LOSS_OF_TASK = {"multiclass": "categorical_crossentropy", "binary": "binary_crossentropy",
                "regression": "mse"}
OUTPUT_OF_TASK = {"multiclass": "softmax", "binary": "sigmoid", "regression": "linear"}

# A runner trains its network for the given number of epochs and returns their times.
Runner = Callable[[int], list[float]]


def make_data(case: Case) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((case.rows, case.features), dtype=np.float32)
    signal = X @ rng.standard_normal((case.features, max(case.outputs, 1)), dtype=np.float32)
    if case.task == "multiclass":
        return X, signal.argmax(axis=1).astype(np.int64)
    if case.task == "binary":
        return X, (signal[:, :1] > 0).astype(np.float32)
    return X, signal[:, :1].astype(np.float32)


def layerlab_runner(case: Case, X: np.ndarray, y: np.ndarray) -> Runner:
    net = build_mlp(case.features, [{"units": u} for u in case.hidden], case.outputs,
                    OUTPUT_OF_TASK[case.task], seed=0)

    def run(epochs: int) -> list[float]:
        config = TrainingConfig(optimizer="adam", learning_rate=1e-3, batch_size=case.batch_size,
                                epochs=epochs, early_stopping_patience=None)
        result = fit(net, X, y, loss=LOSS_OF_TASK[case.task], config=config)
        return [report.seconds for report in result.history]

    return run


def torch_runner(case: Case, X: np.ndarray, y: np.ndarray) -> Runner:
    import torch

    torch.manual_seed(0)
    sizes = [case.features, *case.hidden]
    modules: list[torch.nn.Module] = []
    for n_in, n_out in zip(sizes, sizes[1:], strict=False):
        modules += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*modules, torch.nn.Linear(sizes[-1], case.outputs))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = {"multiclass": torch.nn.CrossEntropyLoss(), "binary": torch.nn.BCEWithLogitsLoss(),
               "regression": torch.nn.MSELoss()}[case.task]
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)

    def run(epochs: int) -> list[float]:
        times = []
        for _ in range(epochs):
            # The engine's work per epoch: shuffle, minibatches, Adam, the running loss.
            started = time.perf_counter()
            order = torch.randperm(len(X_t))
            X_s, y_s = X_t[order], y_t[order]
            total = 0.0
            for start in range(0, len(X_s), case.batch_size):
                xb, yb = X_s[start:start + case.batch_size], y_s[start:start + case.batch_size]
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
                total += loss.item() * len(xb)
            times.append(time.perf_counter() - started)
        return times

    return run


def sklearn_runner(case: Case, X: np.ndarray, y: np.ndarray) -> Runner:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    common = {"hidden_layer_sizes": case.hidden, "solver": "adam", "learning_rate_init": 1e-3,
              "batch_size": case.batch_size, "alpha": 0.0, "random_state": 0}
    if case.task == "regression":
        model, target, extra = MLPRegressor(**common), y[:, 0], {}
    else:
        model, target = MLPClassifier(**common), y.ravel()
        extra = {"classes": np.unique(target)}
    model.partial_fit(X, target, **extra)  # the first call also sets the network up: untimed

    def run(epochs: int) -> list[float]:
        times = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(epochs):
                started = time.perf_counter()
                model.partial_fit(X, target, **extra)  # one epoch of minibatches
                times.append(time.perf_counter() - started)
        return times

    return run


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def gemm_flops_per_second() -> float:
    """One thread's speed on a large float32 matrix product: the peak an epoch is measured against.
    CPU time, like ``cpu_seconds_per_epoch``, so that other processes' load cancels out."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 1024), dtype=np.float32)
    out = np.empty_like(a)
    with threadpool_limits(1):
        np.matmul(a, a, out=out)
        best = min(_cpu_seconds(lambda: np.matmul(a, a, out=out)) for _ in range(20))
    return 2.0 * 1024**3 / best


def cpu_seconds_per_epoch(case: Case, epochs: int = 2) -> float:
    """LayerLab's CPU seconds per epoch at one thread (the best of ``epochs``)."""
    run = layerlab_runner(case, *make_data(case))
    with threadpool_limits(1):
        return min(_cpu_seconds(lambda: run(1)) for _ in range(epochs))


def _cpu_seconds(function: Callable[[], object]) -> float:
    started = time.process_time()
    function()
    return time.process_time() - started


def profile_reference() -> tuple[float, dict[str, float]]:
    """Where a reference minibatch's time goes (engine_profile.py), at one thread."""
    case = REFERENCE
    X, y = make_data(case)
    net = build_mlp(case.features, [{"units": u} for u in case.hidden], case.outputs, "softmax")
    with threadpool_limits(1):
        return step_shares(net, X, y, case.batch_size)


def dead_unit_steps(repeats: int = 200) -> tuple[float, float]:
    """CPU seconds of one Adam update on the reference's parameter count, at one thread,
    when half its moving averages have decayed into subnormal numbers (dead units, left as
    they are) and when they were flushed to 0, as the optimizer now does every 64 steps."""
    case = REFERENCE
    sizes = [case.features, *case.hidden, case.outputs]
    size = sum((inputs + 1) * outputs for inputs, outputs in zip(sizes, sizes[1:], strict=False))

    def per_step(dead: float) -> float:
        adam = Adam(size, np.dtype(np.float32), 1e-3)
        adam.t = 1_000
        params, grads = np.zeros(size, np.float32), np.zeros(size, np.float32)
        grads[::2] = 1e-3  # every other weight learns; the others' gradient is 0

        def steps() -> None:
            for _ in range(repeats):
                adam.m[::2], adam.v[::2] = 1e-3, 1e-6
                adam.m[1::2], adam.v[1::2] = dead, dead
                # `_update`, not `step`: the update alone, so no flush cleans the state between
                adam._update(params, grads.copy())

        return min(_cpu_seconds(steps) for _ in range(5)) / repeats

    with threadpool_limits(1):
        return per_step(1e-39), per_step(0.0)


def measure(case: Case, has_torch: bool) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds per epoch of each library, taking turns round by round: wall-clock,
    and CPU seconds of this process (which other processes' load on a shared machine
    does not inflate; comparable between libraries only at one thread)."""
    X, y = make_data(case)
    runners = {"LayerLab": layerlab_runner(case, X, y)}
    if case.with_sklearn:
        runners["scikit-learn"] = sklearn_runner(case, X, y)
    if has_torch:
        import torch

        torch.set_num_threads(case.threads)
        runners["PyTorch"] = torch_runner(case, X, y)
    times: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, list[float]] = {name: [] for name in runners}
    with threadpool_limits(case.threads):
        for _ in range(ROUNDS):
            for name, run in runners.items():
                started = time.process_time()
                times[name] += run(case.epochs_per_round)
                cpu[name].append((time.process_time() - started) / case.epochs_per_round)
    return ({name: statistics.median(samples) for name, samples in times.items()},
            {name: statistics.median(samples) for name, samples in cpu.items()})


def _cell(value: float | None, text: str) -> str:
    return text if value else "—"


def main() -> None:
    has_torch = torch_available()
    print(f"median seconds per epoch over {ROUNDS} rounds; BLAS and PyTorch at the case's thread count; "
          f"load average {os.getloadavg()[0]:.1f} on {ALL_CORES} cores")
    if not has_torch:
        print("PyTorch is not installed: the PyTorch column is skipped "
              "(.tools/bin/pip --python .venv/bin/python install torch==2.13.0).")
    print(f"{'case':52} {'threads':>7} {'LayerLab':>9} {'PyTorch':>9} {'sklearn':>9}  "
          f"{'LL/PT':>6} {'PT/LL':>6} {'SK/LL':>6}")
    for case in CASES:
        medians, cpu_medians = measure(case, has_torch)
        ours, sk, theirs = medians["LayerLab"], medians.get("scikit-learn"), medians.get("PyTorch")
        cells = [_cell(theirs, f"{theirs or 0:.4f}"), _cell(sk, f"{sk or 0:.4f}"),
                 _cell(theirs, f"{(ours / theirs) if theirs else 0:.2f}×"),
                 _cell(theirs, f"{(theirs / ours) if theirs else 0:.1f}×"),
                 _cell(sk, f"{(sk / ours) if sk else 0:.1f}×")]
        print(f"{case.name:52} {case.threads:7} {ours:9.4f} {cells[0]:>9} {cells[1]:>9}  "
              f"{cells[2]:>6} {cells[3]:>6} {cells[4]:>6}   target: {case.target}", flush=True)
        if theirs and case.threads == 1:
            print(f"  CPU seconds per epoch: LayerLab {cpu_medians['LayerLab']:.4f}, PyTorch "
                  f"{cpu_medians['PyTorch']:.4f}: LL/PT {cpu_medians['LayerLab'] / cpu_medians['PyTorch']:.2f}×",
                  flush=True)
        if case is REFERENCE:
            peak, cpu = gemm_flops_per_second(), cpu_seconds_per_epoch(case)
            print(f"  one thread: {case.flops_per_epoch() / cpu / peak:.0%} of a 1024³ float32 GEMM's speed "
                  f"(CPU time: {cpu:.3f} s per epoch, GEMM {peak / 1e9:.0f} GFLOP/s; target 70 %)", flush=True)
    step_seconds, shares = profile_reference()
    print(f"reference minibatch at one thread ({step_seconds * 1e3:.2f} ms CPU), share of each part "
          "(the step timed without it, in turns): "
          + ", ".join(f"{name} {share:.0%}" for name, share in shares.items()))
    subnormal, flushed = dead_unit_steps()
    print(f"Adam update, half its moving averages subnormal (dead units): {subnormal * 1e3:.2f} ms CPU; "
          f"flushed to 0: {flushed * 1e3:.2f} ms; {subnormal / flushed:.1f}× slower without the flush")


if __name__ == "__main__":
    main()
