"""The builder's typed fields: read from the posted form, each checked on its own.

A value that cannot be read or is out of range gets a sentence keyed by the id of
the input it came from, so the page marks that input and nothing else; the value
used for the rest of the page (diagram, counts) is the field's default meanwhile.
Nothing here ever writes a value back into an input.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.specs import LayerSpec, SplitSpec, TrainingSpec
from app.web.builder_training import TRAINING_OPTION_TITLES, read_training_options

Model = TypeVar("Model", bound=BaseModel)

# Spec field → (input id, the name people read next to it).
SPLIT_FIELDS = {
    "train": ("split-train", "Training share"),
    "validation": ("split-validation", "Validation share"),
    "test": ("split-test", "Test share"),
    "seed": ("split-seed", "Split seed"),
    "folds": ("split-folds", "Cross-validation folds"),
}
TRAINING_FIELDS = {
    "optimizer": ("optimizer", "Optimizer"),
    "learning_rate": ("learning_rate", "Learning rate"),
    "batch_size": ("batch_size", "Batch size"),
    "epochs": ("epochs", "Epochs"),
    "early_stopping_patience": ("patience", "Early-stopping patience"),
    "weight_decay": ("weight_decay", "Weight decay"),
    "seed": ("seed", "Seed"),
}
# The options' inputs depend on the task; their error slots come with them (builder_training.py).
FIELD_IDS = [field_id for field_id, _ in (*SPLIT_FIELDS.values(), *TRAINING_FIELDS.values())]
TRAINING_FIELDS |= {name: (name, title) for name, title in TRAINING_OPTION_TITLES.items()}


def layer_field_ids(count: int) -> list[str]:
    return [f"layer-{index}-{name}" for index in range(count) for name in ("units", "dropout")]


class FieldReader:
    """Typed values from the form, with a sentence per input id for each bad one."""

    def __init__(self, form: FormData) -> None:
        self.form = form
        self.errors: dict[str, str] = {}

    def number(self, raw: Any, field_id: str, title: str, whole: bool = False) -> Any:
        """The number typed, None when empty, or ... (and a sentence) when unreadable."""
        text = str(raw if raw is not None else "").strip()
        if text == "":
            return None
        try:
            value = float(text)
        except ValueError:
            self.errors[field_id] = f"{title}: “{text}” is not a number."
            return ...
        if whole and not value.is_integer():
            self.errors[field_id] = f"{title}: “{text}” must be a whole number."
            return ...
        return int(value) if whole else value

    def checked(self, model: type[Model], values: dict[str, Any], fields: dict[str, tuple[str, str]],
                whole_error_id: str) -> Model:
        """`model(**values)`, each rejected field reported on its input and left at its default."""
        values = {key: value for key, value in values.items() if value is not ...}
        for _ in range(len(values) + 1):
            try:
                return model.model_validate(values)
            except ValidationError as error:
                for problem in error.errors():
                    text = str(problem["msg"]).removeprefix("Value error, ")
                    key = str(problem["loc"][0]) if problem["loc"] else ""
                    field_id, title = fields.get(key, (whole_error_id, ""))
                    sentence = f"{title}: {text}" if title else text[:1].upper() + text[1:]
                    self.errors.setdefault(field_id, sentence.rstrip(".") + ".")
                    if key in values:
                        values.pop(key)
                    else:
                        return model()  # a rule across fields: the defaults meanwhile
        return model()

    def split(self) -> SplitSpec:
        form = self.form
        values: dict[str, Any] = {}
        for key in ("train", "validation", "test"):
            share = self.number(form.get(f"split-{key}"), *SPLIT_FIELDS[key])
            if share is not None:
                values[key] = share / 100 if isinstance(share, float) else share
        values["stratify"] = form.get("stratify") == "on"
        seed = self.number(form.get("split-seed"), *SPLIT_FIELDS["seed"], whole=True)
        if seed is not None:
            values["seed"] = seed
        values["folds"] = self.number(form.get("split-folds"), *SPLIT_FIELDS["folds"], whole=True)
        return self.checked(SplitSpec, values, SPLIT_FIELDS, "split-test")

    def training(self) -> TrainingSpec:
        form = self.form
        values: dict[str, Any] = {"optimizer": str(form.get("optimizer", "adam"))}
        for key in ("learning_rate", "batch_size", "epochs", "weight_decay", "seed"):
            field_id, title = TRAINING_FIELDS[key]
            value = self.number(form.get(field_id), field_id, title, whole=key in ("batch_size", "epochs", "seed"))
            if value is None:
                self.errors[field_id] = f"{title}: a value is needed."
                continue
            values[key] = value
        values["early_stopping_patience"] = self.number(form.get("patience"), "patience", "Early-stopping patience",
                                                        whole=True)
        values.update(read_training_options(form))
        return self.checked(TrainingSpec, values, TRAINING_FIELDS, "epochs")

    def layers(self) -> list[LayerSpec]:
        form = self.form
        units, dropouts = form.getlist("layer-units"), form.getlist("layer-dropout")
        activations = [str(value) for value in form.getlist("layer-activation")]
        batchnorm = {str(value) for value in form.getlist("layer-batchnorm")}
        layers = []
        for index, (unit, activation, dropout) in enumerate(zip(units, activations, dropouts, strict=False)):
            names = {
                "units": (f"layer-{index}-units", f"Layer {index + 1} units"),
                "dropout": (f"layer-{index}-dropout", f"Layer {index + 1} dropout"),
                "activation": (f"layer-{index}-units", f"Layer {index + 1} activation"),
            }
            values = {
                "units": self.number(unit, *names["units"], whole=True),
                "dropout": self.number(dropout, *names["dropout"]),
                "activation": activation,
                "batchnorm": str(index) in batchnorm,
            }
            if values["units"] is None:
                self.errors[names["units"][0]] = f"{names['units'][1]}: a value is needed."
            values = {key: value for key, value in values.items() if value is not None}
            layers.append(self.checked(LayerSpec, values, names, names["units"][0]))
        return layers
