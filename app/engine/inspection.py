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
    finite = weights[np.isfinite(weights)]
    if finite.size == 0:
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(finite, bins=bins)
    return {"edges": [_round(e) for e in edges], "counts": [int(c) for c in counts]}


def _incoming(weight: np.ndarray, first: int, last: int, top: int) -> list[list[float | int | None]]:
    """The strongest incoming weights of units first..last (their mean for a group):
    [[input index, weight], ...], strongest |weight| first."""
    column = weight[:, first:last + 1].mean(axis=1)
    order = np.argsort(-np.abs(column), kind="stable")[:top]
    return [[int(i), _round(column[i])] for i in order]


def _activation_stats(name: str, a: np.ndarray, first: int, last: int) -> dict[str, Any]:
    part = a[:, first:last + 1]
    stats: dict[str, Any] = {"mean_activation": _round(part.mean()) if part.size else None}
    if name in RELU_FAMILY:
        fires = part > 0
        stats["fire_share"] = _round(fires.mean()) if part.size else None
        stats["dead"] = bool(part.size) and not bool(fires.any(axis=0).any())
    if name in BOUNDS:
        low, high = BOUNDS[name]
        near = (part <= low + SATURATION_MARGIN) | (part >= high - SATURATION_MARGIN)
        stats["saturated"] = bool(part.size) and bool((near.mean(axis=0) >= SATURATED_ROWS).all())
    return stats


def inspect_network(net: Network, probe: np.ndarray | None, *, max_groups: int = MAX_GROUPS,
                    top_incoming: int = TOP_INCOMING, bins: int = HISTOGRAM_BINS) -> dict[str, Any]:
    """A JSON-able snapshot of ``net``; ``probe`` is (n_probe, n_inputs) or None.

    Returns {"probe_rows": n, "layers": [...]}: one entry per Dense layer (hidden
    layers, then the output layer) with "units", "activation", "weight_norm",
    "grad_norm" (of the last minibatch's gradient), "histogram" {"edges",
    "counts"}, and with a probe, "mean_activation", "dead_share" (ReLU family),
    "saturated_share" (tanh, sigmoid) and "groups": [{"first", "last",
    "mean_activation", "fire_share" | "saturated", "dead", "incoming"}].
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
            grad = np.concatenate([dense.grad_weight.ravel(), dense.grad_bias.ravel()])
            entry: dict[str, Any] = {
                "name": "output" if output else f"layer {index + 1}",
                "units": dense.n_out,
                "inputs": dense.n_in,
                "activation": name,
                "weight_norm": _round(np.linalg.norm(dense.weight)),
                "grad_norm": _round(np.linalg.norm(grad)),
                "histogram": _histogram(dense.weight, bins),
            }
            groups = unit_groups(dense.n_out, max_groups)
            a = None
            if x is not None:
                x = dense.forward(x, training=False)
                for layer in block["after"]:
                    if isinstance(layer, BatchNorm | Activation | Dropout):
                        x = layer.forward(x, training=False)
                a = x if not output else None
            entry["groups"] = []
            for first, last in groups:
                group: dict[str, Any] = {"first": first, "last": last,
                                         "incoming": _incoming(dense.weight, first, last, top_incoming)}
                if a is not None:
                    group.update(_activation_stats(name, a, first, last))
                entry["groups"].append(group)
            if a is not None:
                entry.update(_layer_shares(name, a))
            layers.append(entry)
    return {"probe_rows": 0 if probe is None else len(probe), "layers": layers}


def _layer_shares(name: str, a: np.ndarray) -> dict[str, Any]:
    """Layer-wide shares over every unit (not the display groups)."""
    shares: dict[str, Any] = {"mean_activation": _round(a.mean())}
    if name in RELU_FAMILY:
        shares["dead_share"] = _round((~(a > 0).any(axis=0)).mean())
    if name in BOUNDS:
        low, high = BOUNDS[name]
        near = (a <= low + SATURATION_MARGIN) | (a >= high - SATURATION_MARGIN)
        shares["saturated_share"] = _round((near.mean(axis=0) >= SATURATED_ROWS).mean())
    return shares
