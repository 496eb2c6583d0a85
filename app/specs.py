"""The experiment spec: what to learn from which columns, how to split, the network, training.

Plain data, validated once (pydantic v2) and stored as JSON; see docs/ARCHITECTURE.md.
Every field but `dataset_id` and `label` has a default. `features` defaults to
an empty list, which means "every suitable column but the label" (the pipeline
picks them from the column kinds). Unknown fields are refused, so a typo is
an error rather than a silently ignored setting.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from app.data.encoders import ENCODER_NAMES, default_encoder

TaskChoice = Literal["auto", "binary", "multiclass", "regression"]
EncoderName = Literal[
    "standardize", "minmax", "scale_pm1", "robust", "quantile", "binarize", "onehot", "ordinal", "passthrough"
]
HiddenActivation = Literal["relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "linear"]
OptimizerName = Literal["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"]
ClassWeight = Literal["none", "balanced"]
StoppingMetric = Literal["loss", "balanced_accuracy", "f1_macro", "roc_auc", "r2", "mae"]
TargetTransform = Literal["none", "log"]
ScheduleName = Literal["constant", "step", "cosine", "plateau"]
RegressionLoss = Literal["mse", "mae", "huber"]
InitializerName = Literal["auto", "he_uniform", "he_normal", "glorot_uniform", "glorot_normal"]
CLASSIFICATION_STOPPING_METRICS = ("balanced_accuracy", "f1_macro", "roc_auc")
REGRESSION_STOPPING_METRICS = ("r2", "mae")

MAX_UNITS = 4096
MAX_LAYERS = 16
MAX_EPOCHS = 10_000
MAX_BATCH_SIZE = 65_536
MIN_FOLDS, MAX_FOLDS = 2, 10
FRACTION_TOLERANCE = 1e-3  # sliders give 0.67 + 0.21 + 0.12 = 1.0000000000000002

assert set(ENCODER_NAMES) == set(EncoderName.__args__)  # type: ignore[attr-defined]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SplitSpec(_Spec):
    train: float = 0.67
    validation: float = 0.21
    test: float = 0.12
    stratify: bool = True
    seed: Annotated[int, Field(ge=0)] = 0
    # Cross-validation: k stratified folds over the training and validation rows, the
    # test rows held out; scored after the main run. Left out of the JSON when unset.
    folds: int | None = None

    @field_validator("folds")
    @classmethod
    def _folds(cls, value: int | None) -> int | None:
        if value is not None and not MIN_FOLDS <= value <= MAX_FOLDS:
            raise ValueError(f"cross-validation needs between {MIN_FOLDS} and {MAX_FOLDS} folds, not {value}")
        return value

    @model_serializer(mode="wrap")
    def _omit_unset_folds(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("folds") is None:
            data.pop("folds", None)
        return data

    @field_validator("train", "validation", "test")
    @classmethod
    def _fraction(cls, value: float) -> float:
        if not (0 < value < 1) or not math.isfinite(value):
            raise ValueError(f"each share must be between 0 and 1 (exclusive), not {value}")
        return value

    @model_validator(mode="after")
    def _sums_to_one(self) -> SplitSpec:
        total = self.train + self.validation + self.test
        if abs(total - 1) > FRACTION_TOLERANCE:
            raise ValueError(
                f"train, validation and test must add up to 1 (100 %), but they add up to {total:g}"
            )
        return self


class LayerSpec(_Spec):
    units: int = 64
    activation: HiddenActivation = "relu"
    dropout: float = 0.0
    batchnorm: bool = False

    @field_validator("units")
    @classmethod
    def _units(cls, value: int) -> int:
        if not 1 <= value <= MAX_UNITS:
            raise ValueError(f"a layer needs between 1 and {MAX_UNITS} units, not {value}")
        return value

    @field_validator("dropout")
    @classmethod
    def _dropout(cls, value: float) -> float:
        if not 0 <= value < 1:
            raise ValueError(f"dropout is a share of units to drop, from 0 up to (not incl.) 1, not {value}")
        return value


class TrainingSpec(_Spec):
    # Defaults measured by `python -m bench quality` on 12 real tables against gradient
    # boosting and an early-stopped MLP: a bold learning rate that the plateau schedule
    # halves once validation stalls, a batch of 64, L2 weight decay 0.03 and patience 40
    # (small noisy tables overfit at once without the decay; see the README's table).
    optimizer: OptimizerName = "adam"
    learning_rate: float = 0.01
    batch_size: int = 64
    epochs: int = 200
    early_stopping_patience: int | None = 40
    weight_decay: float = 0.03
    seed: Annotated[int, Field(ge=0)] = 0
    # Issue 11's knobs; see app/jobs/training_options.py for how each reaches the engine.
    class_weight: ClassWeight = "none"
    early_stopping_metric: StoppingMetric = "loss"
    target_transform: TargetTransform = "none"
    schedule: ScheduleName = "plateau"
    regression_loss: RegressionLoss = "mse"
    initializer: InitializerName = "auto"
    clip_norm: float | None = None

    @field_validator("clip_norm")
    @classmethod
    def _clip_norm(cls, value: float | None) -> float | None:
        if value is not None and not (0 < value < math.inf):
            raise ValueError(f"gradient clipping needs a norm above 0 (or empty for none), not {value}")
        return value

    @field_validator("learning_rate")
    @classmethod
    def _learning_rate(cls, value: float) -> float:
        if not (0 < value <= 10) or not math.isfinite(value):
            raise ValueError(f"the learning rate must be above 0 (and at most 10), not {value}")
        return value

    @field_validator("batch_size")
    @classmethod
    def _batch_size(cls, value: int) -> int:
        if not 1 <= value <= MAX_BATCH_SIZE:
            raise ValueError(f"the batch size must be between 1 and {MAX_BATCH_SIZE}, not {value}")
        return value

    @field_validator("epochs")
    @classmethod
    def _epochs(cls, value: int) -> int:
        if not 1 <= value <= MAX_EPOCHS:
            raise ValueError(f"epochs must be between 1 and {MAX_EPOCHS}, not {value}")
        return value

    @field_validator("early_stopping_patience")
    @classmethod
    def _patience(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(
                f"patience is a number of epochs of at least 1 (or empty to never stop early), not {value}"
            )
        return value

    @field_validator("weight_decay")
    @classmethod
    def _weight_decay(cls, value: float) -> float:
        if not (0 <= value < 1) or not math.isfinite(value):
            raise ValueError(f"weight decay must be at least 0 and below 1, not {value}")
        return value


class ExperimentSpec(_Spec):
    dataset_id: Annotated[int, Field(ge=1)]
    label: Annotated[str, Field(min_length=1)]
    features: list[str] = Field(default_factory=list)
    task: TaskChoice = "auto"
    encoders: dict[str, EncoderName] = Field(default_factory=dict)
    split: SplitSpec = Field(default_factory=SplitSpec)
    layers: list[LayerSpec] = Field(default_factory=lambda: [LayerSpec()])
    training: TrainingSpec = Field(default_factory=TrainingSpec)

    @field_validator("features")
    @classmethod
    def _distinct_features(cls, value: list[str]) -> list[str]:
        repeated = first_repeated(value)
        if repeated is not None:
            raise ValueError(f'the feature "{repeated}" is listed more than once')
        return value

    @field_validator("layers")
    @classmethod
    def _layer_count(cls, value: list[LayerSpec]) -> list[LayerSpec]:
        if len(value) > MAX_LAYERS:
            raise ValueError(f"at most {MAX_LAYERS} hidden layers, not {len(value)}")
        return value

    @model_validator(mode="after")
    def _label_not_a_feature(self) -> ExperimentSpec:
        if self.label in self.features:
            raise ValueError(f'"{self.label}" is the label, so it cannot also be a feature')
        return self

    @model_validator(mode="after")
    def _training_fits_task(self) -> ExperimentSpec:
        if self.task != "auto":
            problems = training_problems(self.training, self.task)
            if problems:
                raise ValueError(problems[0].rstrip("."))
        return self


def training_problems(training: TrainingSpec, task: str) -> list[str]:
    """Sentences for the training settings that do not fit this (resolved) task."""
    problems = []
    regression = task == "regression"
    metric = training.early_stopping_metric
    if metric != "loss" and (metric in REGRESSION_STOPPING_METRICS) != regression:
        allowed = REGRESSION_STOPPING_METRICS if regression else CLASSIFICATION_STOPPING_METRICS
        problems.append(
            f"Early stopping on {metric} needs a {'classification' if regression else 'regression'} task; "
            f"for {task} choose loss or one of {', '.join(allowed)}."
        )
    if regression and training.class_weight != "none":
        problems.append("Class weights apply to classification only; this is regression.")
    if not regression and training.target_transform != "none":
        problems.append(f"A log transform of the label applies to regression only; this is {task} classification.")
    if not regression and training.regression_loss != "mse":
        problems.append(
            f"The {training.regression_loss} loss is for regression; classification uses cross-entropy."
        )
    return problems


def first_repeated(values: Iterable[Hashable]) -> Hashable | None:
    """The first value seen twice, in one pass (a list scan per value froze the server)."""
    seen: set[Hashable] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def validation_messages(error: ValidationError) -> list[str]:
    """One sentence per problem, naming the field ("training.epochs: ...")."""
    messages = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"])
        text = problem["msg"].removeprefix("Value error, ")
        messages.append(f"{where}: {text}" if where else text)
    return messages


def validate_against_columns(spec: ExperimentSpec, column_kinds: Mapping[str, str]) -> list[str]:
    """Problems of this spec for a dataset whose columns have these profiling kinds."""
    problems = []
    features = set(spec.features)
    if spec.label not in column_kinds:
        problems.append(f'The label "{spec.label}" is not a column of this dataset.')
    for name in spec.features:
        if name not in column_kinds:
            problems.append(f'The feature "{name}" is not a column of this dataset.')
    features = set(spec.features)  # a set: wide files list thousands
    for name in spec.encoders:
        if name not in column_kinds:
            problems.append(f'An encoder is set for "{name}", which is not a column of this dataset.')
        elif features and name not in features and name != spec.label:
            problems.append(f'An encoder is set for "{name}", which is not among the features.')
    if spec.task == "regression" and column_kinds.get(spec.label) in ("categorical", "text", "boolean"):
        problems.append(f'The label "{spec.label}" holds categories, so it cannot be predicted by regression.')
    chosen = spec.features or [
        name for name, kind in column_kinds.items()
        if name != spec.label and default_encoder(kind) is not None
    ]
    if not chosen:
        problems.append("No column is suitable as a feature; pick at least one.")
    return problems
