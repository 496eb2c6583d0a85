"""Plain-language hints from the snapshots inside a network (app.engine.inspection)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DEAD_SHARE = 0.25  # of a layer's ReLU-family units never firing on the probe rows
SATURATED_SHARE = 0.3
GRADIENT_RATIO = 100.0  # between the largest and smallest layer gradient norms
GROWTH_EPOCHS = 5
GROWTH_PER_EPOCH = 0.01  # relative growth of the weight norm per epoch at the end


def _percent(share: float) -> str:
    return f"{round(share * 100)} %"


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}×"


def hints(snapshots: Sequence[dict[str, Any]]) -> list[str]:
    """Sentences about the last snapshot (and the trend before it), most telling first."""
    if not snapshots:
        return []
    last = snapshots[-1]
    hidden = [layer for layer in last["layers"] if layer["name"] != "output"]
    found: list[str] = []
    for layer in hidden:
        dead = layer.get("dead_share")
        if dead is not None and dead >= DEAD_SHARE:
            found.append(f"{_percent(dead)} of {layer['name']}'s {layer['activation']} units never fire on "
                         "the validation rows: try a lower learning rate or leaky ReLU.")
        saturated = layer.get("saturated_share")
        if saturated is not None and saturated >= SATURATED_SHARE:
            found.append(f"{_percent(saturated)} of {layer['name']}'s {layer['activation']} units sit saturated: "
                         "standardize the features or lower the learning rate.")
    norms = [(layer["name"], layer["grad_norm"]) for layer in last["layers"] if layer.get("grad_norm")]
    if len(norms) >= 2:
        weakest, strongest = min(norms, key=lambda n: n[1]), max(norms, key=lambda n: n[1])
        if strongest[1] / weakest[1] >= GRADIENT_RATIO:
            found.append(f"Gradients in {weakest[0]} are {_times(strongest[1] / weakest[1])} smaller than in "
                         f"{strongest[0]}: it barely learns; batch norm or a ReLU-family activation helps.")
    if len(snapshots) > GROWTH_EPOCHS:
        before = snapshots[-1 - GROWTH_EPOCHS]
        epochs = max(1, last["epoch"] - before["epoch"])
        old = sum(layer["weight_norm"] or 0.0 for layer in before["layers"])
        new = sum(layer["weight_norm"] or 0.0 for layer in last["layers"])
        if old > 0 and (new / old) ** (1 / epochs) - 1 >= GROWTH_PER_EPOCH:
            found.append(f"Weights were still growing at epoch {last['epoch']}: train longer, "
                         "or add weight decay if validation gets worse.")
    return found
