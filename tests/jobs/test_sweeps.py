"""Sweep expansion, validation, the blind leaderboard, effects and the estimate (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.jobs.sweep_estimates import DataShape, PastRun, data_shape, duration_text, epoch_seconds, estimate
from app.jobs.sweeps import (
    MAX_SPACE_VALUES,
    MAX_SWEEP_EXPERIMENTS,
    SweepRequest,
    SweepRun,
    effects,
    leaderboard,
    spec_for,
)
from app.specs import ExperimentSpec

BASE: dict[str, Any] = {
    "dataset_id": 1,
    "label": "kind",
    "layers": [{"units": 16, "activation": "tanh", "dropout": 0.1}],
    "training": {"epochs": 10, "seed": 5},
}


def request(**fields: Any) -> SweepRequest:
    return SweepRequest.model_validate({"base": BASE, **fields})


def test_grid_is_the_cartesian_product_repeat_by_repeat() -> None:
    sweep = request(space={"units": [8, 32], "learning_rate": [0.01, 0.1, 0.01]}, repeats=2)
    assert sweep.space.learning_rate == [0.01, 0.1]  # duplicates dropped, order kept
    assert sweep.configs() == [
        {"units": 8, "learning_rate": 0.01},
        {"units": 8, "learning_rate": 0.1},
        {"units": 32, "learning_rate": 0.01},
        {"units": 32, "learning_rate": 0.1},
    ]
    runs = sweep.experiment_specs()
    assert sweep.experiment_count == len(runs) == 8
    assert [number for number, _ in runs] == [1, 2, 3, 4, 1, 2, 3, 4]
    # Repeats change the training seed only: the split (and so the validation rows) stays.
    assert [spec.training.seed for _, spec in runs] == [5] * 4 + [6] * 4
    assert {spec.split.seed for _, spec in runs} == {0}
    assert runs[2][1].layers[0].units == 32 and runs[2][1].training.learning_rate == 0.01


def test_hidden_layers_times_units_copies_the_first_layer() -> None:
    spec = spec_for(ExperimentSpec.model_validate(BASE), {"hidden_layers": 3, "units": 64, "batchnorm": True})
    assert [layer.units for layer in spec.layers] == [64, 64, 64]
    assert {(layer.activation, layer.dropout, layer.batchnorm) for layer in spec.layers} == {("tanh", 0.1, True)}
    assert spec_for(ExperimentSpec.model_validate(BASE), {"hidden_layers": 0}).layers == []


def test_random_sample_is_distinct_seeded_and_capped_by_the_grid() -> None:
    space = {"units": [4, 8, 16, 32], "learning_rate": [0.001, 0.01, 0.1], "dropout": [0, 0.2, 0.5]}
    sweep = request(space=space, strategy="random", samples=5)
    configs = sweep.configs()
    assert len(configs) == 5 == sweep.config_count
    assert len({tuple(c.values()) for c in configs}) == 5
    assert configs == request(space=space, strategy="random", samples=5).configs()  # same request, same sample
    everything = request(space=space, strategy="random", samples=500)
    assert everything.config_count == 36 and len(everything.configs()) == 36


def test_a_huge_grid_can_still_be_sampled() -> None:
    space = {key: list(range(1, 11)) for key in ("units", "batch_size", "hidden_layers")}
    space["learning_rate"] = [0.001 * k for k in range(1, 11)]
    sweep = request(space=space, strategy="random", samples=20, repeats=3)
    assert sweep.grid_size == 10_000
    assert sweep.experiment_count == 60 and len(sweep.experiment_specs()) == 60


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"space": {"units": []}}, "at least one value"),
        ({"space": {"units": [0]}}, "Units per layer 0: a layer needs between 1 and"),
        ({"space": {"learning_rate": [0.01, -1]}}, "Learning rate -1"),
        ({"space": {"dropout": [1.5]}}, "Dropout 1.5"),
        ({"space": {"activation": ["swish"]}}, "activation"),
        ({"space": {"optimizer": ["lbfgs"]}}, "optimizer"),
        ({"space": {"hidden_layers": [40]}}, "hidden_layers"),
        ({"space": {"epochs": [3]}}, "epochs"),
        ({"space": {"units": list(range(1, 102))}, "repeats": 2}, f"the most is {MAX_SWEEP_EXPERIMENTS}"),
        ({"strategy": "random"}, "needs `samples`"),
        ({"repeats": 0}, "repeats"),
    ],
)
def test_invalid_requests_say_why(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as error:
        request(**fields)
    assert message in str(error.value)


def test_empty_space_repeats_the_base() -> None:
    sweep = request(repeats=3)
    assert sweep.configs() == [{}]
    assert [spec.training.seed for _, spec in sweep.experiment_specs()] == [5, 6, 7]


def run(experiment_id: int, config: int, status: str, validation: float | None, test: float | None) -> SweepRun:
    return SweepRun(experiment_id, config, status, "binary", validation, test)


CONFIGS = [{"units": 8}, {"units": 32}, {"units": 64}]
RUNS = [
    run(1, 1, "completed", 0.80, 0.70),
    run(2, 2, "completed", 0.90, 0.60),
    run(3, 3, "running", None, None),
    run(4, 1, "completed", 0.84, 0.72),
    run(5, 2, "completed", 0.94, 0.65),
    run(6, 3, "failed", None, None),
]


def test_leaderboard_ranks_on_validation_mean_and_hides_test() -> None:
    board = leaderboard(CONFIGS, RUNS, revealed=None)
    assert [row["config"] for row in board] == [2, 1, 3]
    best = board[0]
    assert best["best"] and best["rank"] == 1
    assert best["validation_mean"] == pytest.approx(0.92)
    assert best["validation_std"] == pytest.approx(0.028284, abs=1e-5)
    assert (best["completed"], best["done"], best["total"]) == (2, 2, 2)
    assert board[2]["rank"] is None and board[2]["done"] == 1 and board[2]["validation_mean"] is None
    assert not any("test" in key for row in board for key in row)
    assert "0.6" not in repr(board) and "0.7" not in repr(board)


def test_leaderboard_reveals_only_the_picked_configuration() -> None:
    board = leaderboard(CONFIGS, RUNS, revealed=1)
    revealed = next(row for row in board if row["config"] == 1)
    assert revealed["test_mean"] == pytest.approx(0.71)
    assert [row["config"] for row in board if "test_mean" in row] == [1]
    assert [row["config"] for row in board] == [2, 1, 3]  # the ranking never looks at test


def test_effects_group_scores_by_value() -> None:
    chart = effects(CONFIGS, RUNS)
    assert list(chart) == ["units"]
    points = chart["units"]
    assert [p["value"] for p in points] == [8, 32, 64]
    assert points[1]["scores"] == [0.90, 0.94] and points[1]["mean"] == pytest.approx(0.92)
    assert points[2]["scores"] == [] and points[2]["mean"] is None


def test_estimate_from_the_model_and_from_past_runs() -> None:
    sweep = request(space={"units": [8, 256]}, repeats=2)
    shape = DataShape(train_rows=4_000, inputs=10, outputs=1)
    guess = estimate(sweep, shape, [], workers=2)
    assert guess.experiments == 4 and guess.configs == 2
    big = spec_for(sweep.base, {"units": 256, "hidden_layers": 2})  # measured: 0.20 s per epoch
    assert epoch_seconds(big, shape) == pytest.approx(0.20, rel=0.15)
    assert epoch_seconds(big, shape) > 5 * epoch_seconds(spec_for(sweep.base, {"units": 8}), shape)
    serial = estimate(sweep, shape, [], workers=1)
    assert serial.seconds == pytest.approx(2 * guess.seconds)
    assert "rough guess" in guess.basis
    # A past run that took twice the modelled time and stopped early at half its budget.
    modelled = epoch_seconds(sweep.base, shape)
    past = [PastRun(sweep.base, seconds=1.5 + 2 * modelled * 5, epochs_done=5)]
    timed = estimate(sweep, shape, past, workers=2)
    assert "timed against 1 finished experiment" in timed.basis
    work = [epoch_seconds(spec, shape) * 10 for _, spec in sweep.experiment_specs()]
    expected = (4 * 1.5 + sum(work)) / 2  # twice as slow per epoch × half the epochs
    assert timed.seconds == pytest.approx(expected, rel=0.05)


def test_data_shape_from_the_profile() -> None:
    profile = {
        "columns": [
            {"name": "x", "kind": "numeric", "unique": 50, "missing": 0},
            {"name": "colour", "kind": "categorical", "unique": 3, "missing": 2},
            {"name": "id", "kind": "id", "unique": 100, "missing": 0},
            {"name": "kind", "kind": "categorical", "unique": 4, "missing": 0},
        ]
    }
    shape = data_shape(ExperimentSpec.model_validate(BASE), profile, row_count=100)
    assert shape == DataShape(train_rows=67, inputs=1 + 3 + 1, outputs=4)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(20, "under a minute"), (61, "about 1 minute"), (600, "about 10 minutes"), (7200, "about 2.0 hours")],
)
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_space_checks_validate_each_distinct_value_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """20,000 values once took 2 s: each rebuilt and revalidated the whole base spec."""
    calls = []
    original = ExperimentSpec.model_validate
    monkeypatch.setattr(ExperimentSpec, "model_validate",
                        lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    base = BASE | {"features": [f"column {i}" for i in range(2_000)]}
    rates = [round(0.0001 * (i + 1), 6) for i in range(900)] * 2
    swept = SweepRequest.model_validate(
        {"base": base, "space": {"learning_rate": rates, "units": [8, 8, 16]}, "strategy": "random", "samples": 4}
    )
    assert len(swept.space.learning_rate or []) == 900 and swept.space.units == [8, 16]
    assert len(calls) <= 2


def test_a_space_list_is_capped() -> None:
    with pytest.raises(ValidationError) as caught:
        request(space={"learning_rate": [0.001 * (i + 1) for i in range(MAX_SPACE_VALUES + 1)]},
                strategy="random", samples=3)
    assert f"at most {MAX_SPACE_VALUES:,} different values" in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "unique", "outputs"),
    [("integer", 50, 1), ("integer", 5, 5), ("numeric", 50, 1), ("categorical", 50, 50), ("integer", 2, 1)],
)
def test_data_shape_detects_the_task_as_the_pipeline_does(kind: str, unique: int, outputs: int) -> None:
    """An integer label with 50 values is regression (one output), as data/tasks.py says."""
    profile = {"columns": [{"name": "x", "kind": "numeric", "unique": 80, "missing": 0},
                           {"name": "kind", "kind": kind, "unique": unique, "missing": 0}]}
    assert data_shape(ExperimentSpec.model_validate(BASE), profile, row_count=100).outputs == outputs
