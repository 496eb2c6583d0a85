"""The portable model of a finished experiment: one zip that runs without LayerLab.

`build_model_zip` packs, from the experiment's artifact folder (see `artifacts`):

- `model.json`: one self-describing document (format "layerlab-model/1", below);
- `weights.npz`: the engine's arrays, as saved, loadable with ``allow_pickle=False``;
- `predict.py`: a standalone script (stdlib + NumPy), kept in `standalone/predict.py`;
- `model.onnx`: the model with its preprocessing as one ONNX graph (`onnx_export`);
- `torch_model.py`: the same network as a PyTorch `nn.Sequential`, kept in `standalone/`;
- `MODEL_CARD.md`: where the model came from, how good it is and how to run it.

`model.json` restates the fitted pipeline (pipeline.json) and the engine's
architecture (model.json of the engine) in a stable, documented form, so that the
internal formats may change without breaking downloaded models:

    format             "layerlab-model/1"
    task               "binary" | "multiclass" | "regression"
    label              {name, classes (classification; binary: the second is positive,
                        predicted when its probability is at least `threshold`)
                        | mean, std, units (regression: value = output * std + mean),
                        transform ("log": the value is expm1 of that)}
    features           in input order: {name, encoder, kind ("number" | "category"),
                        shift, scale (affine encoders: (x - shift) / scale)
                        | quantiles, references (quantile: x's rank, interpolated)
                        | categories, category_keys (the text each category is matched by),
                        missing {strategy, fill, fill_key (categories), indicator},
                        number_format (only when the column was written "1,234.5"), inputs}
    input_names        one per network input, in order
    missing_markers    cell texts read as missing (pandas' defaults)
    layers             hidden, in order: {units, activation, dropout (off when predicting),
                        weight, bias, batch_norm {gamma, beta, running_mean, running_var,
                        epsilon} | null}; weight names are keys of weights.npz
    output             {units, activation, weight, bias}
    prediction_columns the columns predict.py (and LayerLab) write
    engine_config      the engine's own description: `app.engine.load_model` reads it
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from app.data.encoder_base import category_key
from app.data.encoders import NUMERIC_ENCODERS
from app.data.table_encoding import ColumnEncoder
from app.db.models import Experiment
from app.engine.layers import BatchNorm
from app.engine.serialization import CONFIG_FILE, WEIGHTS_FILE
from app.jobs.artifacts import PIPELINE_FILE
from app.jobs.model_card import model_card
from app.jobs.onnx_export import OnnxExportError, onnx_bytes
from app.jobs.pipeline import FittedPipeline

MODEL_FORMAT = "layerlab-model/1"
PREDICT_SCRIPT = Path(__file__).with_name("standalone") / "predict.py"
TORCH_SCRIPT = Path(__file__).with_name("standalone") / "torch_model.py"
TORCH_FILE = "torch_model.py"
CARD_FILE = "MODEL_CARD.md"
ONNX_FILE = "model.onnx"
# pandas' default missing-value markers: what LayerLab reads as missing in a CSV.
MISSING_MARKERS = sorted([
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
])


class ModelExportError(ValueError):
    """The experiment has no complete model to export; the message says why."""


def build_model_zip(*, experiment: Experiment, directory: Path) -> bytes:
    """The zip of a finished experiment's model, from its artifact folder.

    Raises ModelExportError when the folder lacks a model (not finished, or deleted).
    """
    document, weights = _saved_model(experiment, directory)
    card_notes: list[str] = []
    try:
        onnx_model = onnx_bytes(document, _arrays(weights))
    except OnnxExportError as exc:  # the rest of the zip is still worth having
        onnx_model, card_notes = None, [f"No model.onnx: {exc}"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.json", json.dumps(document, indent=2, allow_nan=False))
        archive.writestr("weights.npz", weights)
        archive.writestr("predict.py", PREDICT_SCRIPT.read_text(encoding="utf-8"))
        if onnx_model is not None:
            archive.writestr(ONNX_FILE, onnx_model)
        archive.writestr(TORCH_FILE, TORCH_SCRIPT.read_text(encoding="utf-8"))
        archive.writestr(CARD_FILE, model_card(experiment, document, notes=card_notes))
    return buffer.getvalue()


def build_model_onnx(*, experiment: Experiment, directory: Path) -> bytes:
    """The experiment's model with its preprocessing as ONNX (see `onnx_export`).

    Raises ModelExportError without a saved model, OnnxExportError when ONNX cannot hold it."""
    document, weights = _saved_model(experiment, directory)
    return onnx_bytes(document, _arrays(weights))


def _saved_model(experiment: Experiment, directory: Path) -> tuple[dict[str, Any], bytes]:
    """model.json's document and the weights' bytes, from the artifact folder."""
    paths = [directory / name for name in (CONFIG_FILE, WEIGHTS_FILE, PIPELINE_FILE)]
    absent = [path.name for path in paths if not path.is_file()]
    if absent:
        raise ModelExportError(f"Experiment {experiment.id} has no saved model ({absent[0]} is missing).")
    engine_config = json.loads(paths[0].read_text())
    weights = paths[1].read_bytes()
    pipeline = FittedPipeline.from_dict(json.loads(paths[2].read_text()))
    _check_weights(weights, engine_config)
    read_options = getattr(experiment.dataset, "read_options", None) or {}
    document = model_document(pipeline, engine_config, read_options.get("number_formats") or {})
    return document, weights


def _arrays(weights: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(weights), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _check_weights(weights: bytes, engine_config: dict[str, Any]) -> None:
    """Refuse to ship weights that need pickle or lack an array the description names."""
    try:
        with np.load(io.BytesIO(weights), allow_pickle=False) as archive:
            names = set(archive.files)
            for name in names:
                archive[name]  # an object array would raise here rather than on the user's machine
    except ValueError as exc:
        raise ModelExportError(f"The saved weights are not plain arrays: {exc}") from None
    needed = set(_weight_names(engine_config))
    if not needed <= names:
        raise ModelExportError(f"The saved weights lack {sorted(needed - names)[0]!r}.")


def model_document(
    pipeline: FittedPipeline, engine_config: dict[str, Any], number_formats: dict[str, Any]
) -> dict[str, Any]:
    """The `model.json` of the zip (schema in the module docstring)."""
    features = [_feature(column, number_formats.get(column.column)) for column in pipeline.table.columns]
    layers, output = _layers(engine_config)
    columns = ["predicted"] + [f"probability: {name}" for name in pipeline.label_codec.classes]
    return {
        "format": MODEL_FORMAT,
        "task": pipeline.task,
        "task_explanation": pipeline.task_explanation,
        "label": _label(pipeline),
        "features": features,
        "input_names": pipeline.feature_names,
        "missing_markers": MISSING_MARKERS,
        "layers": layers,
        "output": output,
        "prediction_columns": columns,
        "engine_config": engine_config,
    }


def _label(pipeline: FittedPipeline) -> dict[str, Any]:
    codec = pipeline.label_codec
    if pipeline.task == "regression":
        data = codec.to_dict()
        return {"name": pipeline.label, "mean": data["mean"], "std": data["std"],
                "transform": data.get("transform", "none"),
                "units": f'those of the column "{pipeline.label}"'}
    if pipeline.task == "binary":
        return {"name": pipeline.label, "classes": codec.classes, "threshold": codec.threshold}  # type: ignore[attr-defined]
    return {"name": pipeline.label, "classes": codec.classes}


def _feature(column: ColumnEncoder, number_format: dict[str, Any] | None) -> dict[str, Any]:
    encoder, imputer = column.encoder, column.imputer
    entry: dict[str, Any] = {"name": column.column, "encoder": encoder.name}
    missing: dict[str, Any] = {"strategy": imputer.strategy, "fill": imputer.statistic,
                               "indicator": imputer.add_indicator}
    params = encoder.params()  # affine encoders: shift and scale; category encoders: categories
    if encoder.name in NUMERIC_ENCODERS:
        entry["kind"] = "number"
        entry.update(params)
        # Only columns converted at upload ("1,234.5", "3,14") need their format to be read again.
        if number_format and (number_format.get("thousands") or number_format.get("decimal", ".") != "."):
            entry["number_format"] = dict(number_format)
    else:
        entry["kind"] = "category"
        entry["categories"] = params["categories"]
        entry["category_keys"] = [category_key(c) for c in params["categories"]]
        missing["fill_key"] = category_key(imputer.statistic)
    entry["missing"] = missing
    entry["inputs"] = column.output_names()
    return entry


def _weight_names(engine_config: dict[str, Any]) -> list[str]:
    layers, output = _layers(engine_config)
    names = [output["weight"], output["bias"]]
    for layer in layers:
        names += [layer["weight"], layer["bias"]]
        if layer["batch_norm"]:
            names += [layer["batch_norm"][key] for key in ("gamma", "beta", "running_mean", "running_var")]
    return names


def _layers(engine_config: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The hidden layers and the output layer, naming their arrays as the engine saves them."""
    layers = []
    for i, spec in enumerate(engine_config["hidden"]):
        prefix = f"hidden{i}"
        norm = None
        if spec.get("batchnorm"):
            norm = {key: f"{prefix}.batchnorm.{key}" for key in ("gamma", "beta", "running_mean", "running_var")}
            norm["epsilon"] = BatchNorm.EPS  # type: ignore[assignment]
        layers.append({
            "units": spec["units"], "activation": spec["activation"], "dropout": spec.get("dropout", 0.0),
            "weight": f"{prefix}.dense.weight", "bias": f"{prefix}.dense.bias", "batch_norm": norm,
        })
    output = {"units": engine_config["n_outputs"], "activation": engine_config["output"],
              "weight": "output.dense.weight", "bias": "output.dense.bias"}
    return layers, output
