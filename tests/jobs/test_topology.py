"""What the builder shows before training must match what training builds."""

from __future__ import annotations

import pytest

from app.engine import build_mlp
from app.jobs.topology import input_width, parameter_count, propose_task
from app.specs import LayerSpec


@pytest.mark.parametrize(
    ("n_inputs", "layers", "n_outputs"),
    [
        (5, [LayerSpec(units=64)], 1),
        (12, [LayerSpec(units=32, batchnorm=True), LayerSpec(units=16, dropout=0.2)], 3),
        (3, [], 1),
    ],
)
def test_parameter_count_matches_the_engine(n_inputs: int, layers: list[LayerSpec], n_outputs: int) -> None:
    net = build_mlp(n_inputs, [layer.model_dump() for layer in layers], n_outputs, "sigmoid", seed=0)
    assert parameter_count(n_inputs, layers, n_outputs) == net.n_parameters


@pytest.mark.parametrize(
    ("kind", "unique", "task"),
    [
        ("categorical", 2, "binary"),
        ("boolean", 2, "binary"),
        ("categorical", 5, "multiclass"),
        ("integer", 4, "multiclass"),
        ("integer", 40, "regression"),
        ("numeric", 7, "regression"),
    ],
)
def test_task_from_the_profile(kind: str, unique: int, task: str) -> None:
    proposal = propose_task({"name": "y", "kind": kind, "unique": unique})
    assert proposal.task == task
    assert "“y”" in proposal.explanation


def test_a_constant_label_has_no_task() -> None:
    assert propose_task({"name": "y", "kind": "constant", "unique": 1}).task is None


def test_input_width_counts_one_hot_categories_and_missing_indicators() -> None:
    columns = {
        "colour": {"unique": 3, "missing": 0},
        "age": {"unique": 50, "missing": 2},
    }
    assert input_width(columns, {"colour": "onehot", "age": "standardize"}) == 3 + 2
