"""The experiment spec: docs/ARCHITECTURE.md's defaults and human validation messages."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from app.engine.activations import ACTIVATIONS
from app.specs import (
    ExperimentSpec,
    HiddenActivation,
    LayerSpec,
    OptimizerName,
    SplitSpec,
    TrainingSpec,
    first_repeated,
    validate_against_columns,
    validation_messages,
)

DESIGN_EXAMPLE = {
    "dataset_id": 1, "label": "species",
    "features": ["bill_length_mm", "island"],
    "task": "auto",
    "encoders": {"island": "onehot", "bill_length_mm": "standardize"},
    "split": {"train": 0.67, "validation": 0.21, "test": 0.12, "stratify": True, "seed": 0},
    "layers": [{"units": 64, "activation": "relu", "dropout": 0.0, "batchnorm": False}],
    "training": {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 64,
                 "epochs": 200, "early_stopping_patience": 40, "weight_decay": 0.03, "seed": 0,
                 "class_weight": "none", "early_stopping_metric": "loss", "target_transform": "none",
                 "schedule": "plateau", "regression_loss": "mse", "initializer": "auto", "clip_norm": None},
}


def _messages(**fields: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate({"dataset_id": 1, "label": "y", **fields})
    return validation_messages(caught.value)


def test_design_example_round_trips() -> None:
    spec = ExperimentSpec.model_validate(DESIGN_EXAMPLE)
    assert json.loads(spec.model_dump_json()) == DESIGN_EXAMPLE


def test_defaults_are_design_defaults() -> None:
    spec = ExperimentSpec(dataset_id=1, label="species")
    dumped = spec.model_dump()
    assert dumped["features"] == [] and dumped["encoders"] == {} and dumped["task"] == "auto"
    for key in ("split", "layers", "training"):
        assert dumped[key] == DESIGN_EXAMPLE[key]


def test_names_known_to_the_engine() -> None:
    assert set(HiddenActivation.__args__) <= set(ACTIVATIONS)  # type: ignore[attr-defined]
    assert set(OptimizerName.__args__) == {"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"split": {"train": 0.7, "validation": 0.2, "test": 0.2}},
            "split: train, validation and test must add up to 1",
        ),
        ({"split": {"train": 1.0, "validation": 0.0, "test": 0.0}}, "split.train: each share must be between 0 and 1"),
        ({"layers": [{"units": 0}]}, "layers.0.units: a layer needs between 1 and 4096 units, not 0"),
        ({"layers": [{"units": 8}] * 17}, "layers: at most 16 hidden layers"),
        ({"layers": [{"dropout": 1.0}]}, "layers.0.dropout: dropout is a share"),
        ({"layers": [{"activation": "swish"}]}, "layers.0.activation: Input should be 'relu'"),
        ({"training": {"optimizer": "adagrad"}}, "training.optimizer: Input should be 'sgd'"),
        ({"training": {"learning_rate": 0}}, "training.learning_rate: the learning rate must be above 0"),
        ({"training": {"batch_size": 0}}, "training.batch_size: the batch size must be between 1"),
        ({"training": {"epochs": 20000}}, "training.epochs: epochs must be between 1 and 10000"),
        ({"training": {"early_stopping_patience": 0}}, "training.early_stopping_patience: patience"),
        ({"features": ["a", "a"]}, 'features: the feature "a" is listed more than once'),
        ({"features": ["y"]}, '"y" is the label, so it cannot also be a feature'),
        ({"encoders": {"a": "zscore"}}, "encoders.a: Input should be 'standardize'"),
        ({"task": "ranking"}, "task: Input should be 'auto'"),
        ({"epochs": 5}, "epochs: Extra inputs are not permitted"),
    ],
)
def test_validation_messages(fields: dict[str, object], expected: str) -> None:
    messages = _messages(**fields)
    assert any(expected in message for message in messages), messages


def test_patience_may_be_null_and_parts_validate_alone() -> None:
    assert TrainingSpec(early_stopping_patience=None).early_stopping_patience is None
    assert SplitSpec(train=0.6, validation=0.2, test=0.2).train == 0.6
    assert LayerSpec(units=4096).units == 4096


def test_validate_against_columns() -> None:
    kinds = {"species": "categorical", "island": "categorical", "name": "id"}
    spec = ExperimentSpec(dataset_id=1, label="species", features=["island", "mass"],
                          encoders={"colour": "onehot"}, task="regression")
    problems = validate_against_columns(spec, kinds)
    assert 'The feature "mass" is not a column of this dataset.' in problems
    assert any('"colour"' in p for p in problems)
    assert any("cannot be predicted by regression" in p for p in problems)
    assert validate_against_columns(ExperimentSpec(dataset_id=1, label="species"), kinds) == []
    only_id = {"species": "categorical", "name": "id"}
    assert validate_against_columns(ExperimentSpec(dataset_id=1, label="species"), only_id) == [
        "No column is suitable as a feature; pick at least one."
    ]


class _CountedName(str):
    """A feature name that counts how often it is compared."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        _CountedName.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_the_duplicate_check_is_linear() -> None:
    """70,000 feature names once froze the server for 44 s: each was counted in the whole list."""
    names = [_CountedName(f"column {i}") for i in range(5_000)]
    _CountedName.comparisons = 0
    assert first_repeated([*names, _CountedName("column 7")]) == "column 7"
    assert first_repeated(names) is None
    assert _CountedName.comparisons <= 2 * len(names)


def test_a_repeated_feature_among_many_is_named() -> None:
    features = [f"column {i}" for i in range(70_000)] + ["column 3"]
    assert any('"column 3" is listed more than once' in m for m in _messages(features=features))


def test_encoder_checks_use_a_set_of_features() -> None:
    features = [f"c{i}" for i in range(20_000)]
    spec = ExperimentSpec(dataset_id=1, label="y", features=features, encoders={"c19999": "minmax", "zz": "minmax"})
    kinds = {name: "numeric" for name in [*features, "y", "zz"]}
    assert validate_against_columns(spec, kinds) == ['An encoder is set for "zz", which is not among the features.']
