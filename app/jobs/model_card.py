"""MODEL_CARD.md of an exported model: where it came from, how good it is, how to run it.

Markdown, so that it reads well as plain text and renders on any code host.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np

from app.db.models import Experiment
from app.jobs.onnx_features import takes_numbers

SPLITS = ("train", "validation", "test")


def layerlab_version() -> str:
    try:
        return metadata.version("layerlab")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _threshold_lines(label: dict[str, Any]) -> list[str]:
    if "threshold" not in label:
        return []
    return ["", f"Decision threshold: predicts **{label['classes'][1]}** when its probability is at least "
            f"{label['threshold']:.2f} (the metrics above are at this threshold)."]


def model_card(experiment: Experiment, document: dict[str, Any], notes: list[str] | None = None) -> str:
    """The card, from the experiment's row and the zip's model.json; `notes` go under the files."""
    dataset = experiment.dataset
    spec = experiment.spec
    split = spec.get("split", {})
    label = document["label"]
    finished = getattr(experiment, "finished_at", None) or datetime.now(UTC)
    lines = [
        f"# Model card: experiment {experiment.id}",
        "",
        f"A neural network trained by LayerLab to predict **{label['name']}** ({document['task']}).",
        document.get("task_explanation", ""),
        "",
        "## Data",
        "",
        f"- Dataset: {dataset.name}",
        f"- SHA-256: `{dataset.sha256}`",
        f"- Rows: {dataset.row_count}",
        f"- Features ({len(document['features'])}): {', '.join(f['name'] for f in document['features'])}",
        f"- Split: train {split.get('train')}, validation {split.get('validation')}, "
        f"test {split.get('test')}, stratified: {split.get('stratify')}, seed {split.get('seed')}",
        *_split_sizes(getattr(experiment, "summary", None) or {}),
        "",
        "## Results",
        "",
        *_metrics_table(experiment.metrics or {}),
        "",
        _kept_epoch_line(experiment),
        *_lineage(experiment),
        *_threshold_lines(label),
        "",
        "## Network",
        "",
        *_network_lines(document),
        "",
        "## Intended use and limits",
        "",
        "This model is meant for rows like those it was trained on: the same columns, measured the "
        "same way, from the same population. It has only seen the training split, and the test "
        "metrics above estimate how it does on new rows of that kind, not on different data. "
        "Categories it never saw count as none of the known ones, missing values are filled with "
        "training statistics, and it says nothing about cause and effect. Check it on your own "
        "recent data before relying on it, and keep a person in the loop for decisions that matter.",
        "",
        "## How to run it",
        "",
        "Needs Python 3 and NumPy only. In the folder where you unzipped this file:",
        "",
        "```",
        "python predict.py new_rows.csv predictions.csv",
        "python predict.py new_rows.csv predictions.csv --model path/to/this/folder --delimiter ';'",
        "```",
        "",
        f"`new_rows.csv` needs a header row and the feature columns above (other columns are copied "
        f"through). `predictions.csv` gets {', '.join(f'`{c}`' for c in document['prediction_columns'])}, "
        "as LayerLab writes them. `model.json` describes the encoders and layers; `weights.npz` holds "
        "the arrays (`numpy.load(path, allow_pickle=False)`).",
        "",
        *_files_lines(document, notes or []),
        "",
        "## Provenance",
        "",
        f"- Exported: {datetime.now(UTC).isoformat(timespec='seconds')}; trained: "
        f"{finished.isoformat(timespec='seconds')}",
        f"- LayerLab {layerlab_version()}, Python {platform.python_version()}, NumPy {np.__version__}",
        f"- Format: {document['format']}",
        "",
        "Full experiment spec:",
        "",
        "```json",
        json.dumps(spec, indent=2, sort_keys=True),
        "```",
        "",
    ]
    return "\n".join(lines)


def _lineage(experiment: Experiment) -> list[str]:
    after = getattr(experiment, "parent_epoch", None)
    if after is None:
        return []
    parent = getattr(experiment, "parent_id", None)
    source = f"experiment {parent}" if parent is not None else "an experiment since deleted"
    return ["", f"Lineage: continued from {source} after epoch {after}, with its weights, optimizer state, "
                "data split and encoders."]


def _files_lines(document: dict[str, Any], notes: list[str]) -> list[str]:
    """What each file of the zip is for and how to run it, three lines at most each."""
    inputs = ", ".join(f"`{f['name']}` ({'float' if takes_numbers(f) else 'string'})" for f in document["features"])
    outputs = "`label`" + (", `probabilities`" if document["task"] != "regression" else "")
    return [
        "## Files",
        "",
        "- `predict.py`: predictions with Python 3 and NumPy alone, exactly as LayerLab makes them:",
        "  `python predict.py new_rows.csv predictions.csv`.",
        "- `model.onnx`: the model with its preprocessing, for any ONNX runtime (opsets ai.onnx 17, ai.onnx.ml 3).",
        f"  One input per column, shape [N, 1]: {inputs}; NaN or \"\" for missing. Outputs: {outputs}.",
        "  `onnxruntime.InferenceSession(\"model.onnx\").run(None, {\"column\": array_of_shape_N_by_1, ...})`.",
        "- `torch_model.py`: the network as a PyTorch `nn.Sequential`, the preprocessing as functions, a loader",
        "  for `weights.npz`: `python torch_model.py new_rows.csv > predictions.csv`, or",
        "  `from torch_model import load_network` to train on in code (needs torch).",
        "- `model.json` (encoders, layers, label) and `weights.npz` (the arrays): read by all three.",
        *[f"- {note}" for note in notes],
    ]


def _split_sizes(summary: dict[str, Any]) -> list[str]:
    sizes = summary.get("split_sizes") or {}
    if not sizes:
        return []
    counts = ", ".join(f"{name} {count}" for name, count in sizes.items())
    dropped = summary.get("dropped_rows") or 0
    return [f"- Rows per split: {counts}" + (f"; {dropped} without a label were not used" if dropped else "")]


def _metrics_table(metrics: dict[str, dict[str, float | None]]) -> list[str]:
    splits = [name for name in SPLITS if name in metrics]
    if not splits:
        return ["No metrics were recorded."]
    names = [name for name in metrics[splits[0]]]
    rows = ["| metric | " + " | ".join(splits) + " |", "|---" * (len(splits) + 1) + "|"]
    for name in names:
        values = [_number(metrics[split].get(name)) for split in splits]
        rows.append(f"| {name} | " + " | ".join(values) + " |")
    return rows


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _network_lines(document: dict[str, Any]) -> list[str]:
    lines = [f"- Inputs: {len(document['input_names'])} (after encoding)"]
    for i, layer in enumerate(document["layers"]):
        extras = [f"dropout {layer['dropout']:g}"] if layer["dropout"] else []
        extras += ["batch norm"] if layer["batch_norm"] else []
        suffix = f" ({', '.join(extras)})" if extras else ""
        lines.append(f"- Hidden layer {i + 1}: {layer['units']} units, {layer['activation']}{suffix}")
    output = document["output"]
    lines.append(f"- Output: {output['units']} unit(s), {output['activation']}")
    return lines


def _kept_epoch_line(experiment: Any) -> str:
    """Which epoch's weights are saved, and why that one."""
    restored = (getattr(experiment, "summary", None) or {}).get("weights_restored")
    if restored is False:
        return f"Saved weights: the last epoch, {experiment.best_epoch} (early stopping was off)."
    return f"Saved weights: the best epoch, {experiment.best_epoch} (lowest validation loss, restored)."
