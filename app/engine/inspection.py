"""A look inside a network: per dense layer, weight and gradient norms, a weight
histogram, and on a fixed probe sample of rows how its units fire.

``inspect_network(net, probe)`` returns plain JSON-able data. It runs one
inference pass over the probe rows (no dropout, batch-norm running statistics)
and reads the gradients the last minibatch left in ``net.grads``; it never
changes the network, its random state or its training caches' results.

Definitions, per hidden layer, on the probe rows (n_probe, n_inputs):
- a unit *fires* on a row when its activation is above 0 (ReLU family);
- a unit is *dead* when it fires on no probe row (ReLU family only);
- a unit is *saturated* when at least ``SATURATED_ROWS`` of the rows sit within
  ``SATURATION_MARGIN`` of the activation's bounds (tanh ±1, sigmoid 0 and 1).
Past ``max_groups`` units, neighbouring units are shown as one group (their means).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.engine.layers import Activation, BatchNorm, Dense, Dropout
from app.engine.network import Network

RELU_FAMILY = frozenset({"relu", "leaky_relu", "elu", "gelu"})
BOUNDS = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}
SATURATION_MARGIN = 0.03
SATURATED_ROWS = 0.9
HISTOGRAM_BINS = 20
MAX_GROUPS = 32
TOP_INCOMING = 5


def _round(value: float) -> float | None:
    """Four significant digits keep a snapshot small; None for what JSON cannot hold."""
    value = float(value)
    return float(f"{value:.4g}") if math.isfinite(value) else None


def unit_groups(units: int, max_groups: int = MAX_GROUPS) -> list[tuple[int, int]]:
    """Contiguous (first, last) unit ranges, inclusive: one per unit up to ``max_groups``."""
    size = max(1, math.ceil(units / max_groups))
    return [(start, min(start + size, units) - 1) for start in range(0, units, size)]


def _dense_blocks(net: Network) -> list[dict[str, Any]]:
    """Each Dense layer with the layers that follow it up to the next Dense."""
    blocks: list[dict[str, Any]] = []
    for layer in net.layers:
        if isinstance(layer, Dense):
            blocks.append({"dense": layer, "after": []})
        else:
            blocks[-1]["after"].append(layer)
    return blocks


def _histogram(weights: np.ndarray, bins: int) -> dict[str, list[float | None]]:
    """Equal-width bins between the smallest and largest finite weight (bincount: one
    pass, several times faster than np.histogram)."""
    finite = weights[np.isfinite(weights)].ravel()
    if finite.size == 0:
        return {"edges": [], "counts": []}
    low, high = float(finite.min()), float(finite.max())
    if high <= low:
        high = low + 1.0
    index = ((finite - low) * (bins / (high - low))).astype(np.int64)
    np.minimum(index, bins - 1, out=index)
    counts = np.bincount(index, minlength=bins)
    edges = np.linspace(low, high, bins + 1)
    return {"edges": [_round(e) for e in edges], "counts": [int(c) for c in counts]}


def _group_means(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Means of contiguous unit groups along the last axis: (..., units) -> (..., groups)."""
    return np.add.reduceat(values, starts, axis=-1) / sizes


def _incoming(weight: np.ndarray, starts: np.ndarray, sizes: np.ndarray, top: int) -> list[list[list[Any]]]:
    """Per group, its strongest incoming weights (the group's mean weight per input):
    [[input index, weight], ...], strongest |weight| first."""
    means = _group_means(weight.astype(np.float64), starts, sizes)  # (n_in, groups)
    k = min(top, means.shape[0])
    strongest = np.argpartition(-np.abs(means), k - 1, axis=0)[:k]  # (k, groups), unordered
    result = []
    for group in range(means.shape[1]):
        chosen = sorted(strongest[:, group].tolist(), key=lambda i: (-abs(means[i, group]), i))
        result.append([[int(i), _round(means[i, group])] for i in chosen])
    return result


def _unit_flags(name: str, a: np.ndarray) -> dict[str, np.ndarray]:
    """Per unit (the columns of ``a``): mean activation, fire share, dead, saturated."""
    flags: dict[str, np.ndarray] = {"mean_activation": a.mean(axis=0, dtype=np.float64)}
    if name in RELU_FAMILY:
        fires = a > 0
        flags["fire_share"] = fires.mean(axis=0)
        flags["dead"] = ~fires.any(axis=0)
    if name in BOUNDS:
        low, high = BOUNDS[name]
        near = (a <= low + SATURATION_MARGIN) | (a >= high - SATURATION_MARGIN)
        flags["saturated"] = near.mean(axis=0) >= SATURATED_ROWS
    return flags


def _describe_groups(groups: list[dict[str, Any]], flags: dict[str, np.ndarray],
                     starts: np.ndarray, sizes: np.ndarray) -> None:
    means = _group_means(flags["mean_activation"], starts, sizes)
    for index, group in enumerate(groups):
        group["mean_activation"] = _round(means[index])
    if "dead" in flags:
        fire = _group_means(flags["fire_share"], starts, sizes)
        dead = np.logical_and.reduceat(flags["dead"], starts)
        for index, group in enumerate(groups):
            group["fire_share"], group["dead"] = _round(fire[index]), bool(dead[index])
    if "saturated" in flags:
        saturated = np.logical_and.reduceat(flags["saturated"], starts)
        for index, group in enumerate(groups):
            group["saturated"] = bool(saturated[index])


def _layer_shares(flags: dict[str, np.ndarray]) -> dict[str, Any]:
    """Layer-wide shares over every unit (not the display groups)."""
    shares: dict[str, Any] = {"mean_activation": _round(flags["mean_activation"].mean())}
    if "dead" in flags:
        shares["dead_share"] = _round(flags["dead"].mean())
    if "saturated" in flags:
        shares["saturated_share"] = _round(flags["saturated"].mean())
    return shares


def inspect_network(net: Network, probe: np.ndarray | None, *, max_groups: int = MAX_GROUPS,
                    top_incoming: int = TOP_INCOMING, bins: int = HISTOGRAM_BINS) -> dict[str, Any]:
    """A JSON-able snapshot of ``net``; ``probe`` is (n_probe, n_inputs) or None.

    Returns {"probe_rows": n, "layers": [...]}: one entry per Dense layer (hidden
    layers, then the output layer) with "units", "activation", "weight_norm",
    "grad_norm" (of the last minibatch's gradient), "histogram" {"edges",
    "counts"}, "groups": [{"first", "last", "incoming"}] and, for hidden layers
    with a probe, "mean_activation", "dead_share" (ReLU family), "saturated_share"
    (tanh, sigmoid), and per group "mean_activation", "fire_share", "dead", "saturated".
    """
    x = net.check_inputs(probe) if probe is not None and len(probe) else None
    layers: list[dict[str, Any]] = []
    blocks = _dense_blocks(net)
    with np.errstate(over="ignore", invalid="ignore"):
        for index, block in enumerate(blocks):
            dense: Dense = block["dense"]
            activations = [layer for layer in block["after"] if isinstance(layer, Activation)]
            output = index == len(blocks) - 1
            name = net.output if output else activations[0].name
            grads = (dense.grad_weight, dense.grad_bias)
            grad_norm = np.sqrt(sum(float(np.vdot(g, g)) for g in grads))
            groups = unit_groups(dense.n_out, max_groups)
            starts = np.array([first for first, _ in groups])
            sizes = np.array([last - first + 1 for first, last in groups])
            incoming = _incoming(dense.weight, starts, sizes, top_incoming)
            entry: dict[str, Any] = {
                "name": "output" if output else f"layer {index + 1}",
                "units": dense.n_out,
                "inputs": dense.n_in,
                "activation": name,
                "weight_norm": _round(np.linalg.norm(dense.weight)),
                "grad_norm": _round(grad_norm),
                "histogram": _histogram(dense.weight, bins),
                "groups": [{"first": first, "last": last, "incoming": strongest}
                           for (first, last), strongest in zip(groups, incoming, strict=True)],
            }
            if x is not None:
                x = dense.forward(x, training=False)
                for layer in block["after"]:
                    if isinstance(layer, BatchNorm | Activation | Dropout):
                        x = layer.forward(x, training=False)
                if not output:
                    flags = _unit_flags(name, x)
                    _describe_groups(entry["groups"], flags, starts, sizes)
                    entry.update(_layer_shares(flags))
            layers.append(entry)
    return {"probe_rows": 0 if probe is None else len(probe), "layers": layers}
