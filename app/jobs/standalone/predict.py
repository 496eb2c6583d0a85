"""Predict with a LayerLab model, using only Python's standard library and NumPy.

    python predict.py new_rows.csv predictions.csv [--model DIR] [--delimiter ";"]

DIR (by default the folder this script is in) holds `model.json`, which describes
the features, their encoders, the layers and the label, and `weights.npz`, which
holds the arrays that `model.json` names. The output CSV has the input's columns,
then `predicted` and, for classification, one `probability: <class>` column per
class: the same columns as LayerLab's own predictions. A binary model predicts its
second class when that class's probability is at least the label's `threshold`.

Every feature column the model was trained on must be in the input. Each cell is
encoded as LayerLab encodes it:

1. A cell that is empty or a missing-value marker ("NA", "null", ...) is missing:
   it is replaced by the value fitted on the training rows (the mean for numbers,
   the most frequent category otherwise), and where training had missing values an
   extra input says "this was missing".
2. Numbers are shifted and scaled with the training statistics (standardize,
   minmax, scale_pm1, robust), ranked among the training values (quantile) or used
   as they are (passthrough). Text that is not a number
   is replaced like a missing value (without the "was missing" flag), as LayerLab does.
3. Categories become one-hot columns, an index (ordinal) or 0 / 1 (binarize);
   a category never seen in training becomes all zeros (one-hot), -1 (ordinal) or 0.

The network then runs in float32, as in LayerLab: per hidden layer a dense layer,
batch normalization with its running statistics, the activation (dropout is off
when predicting), then the output layer and its activation.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "layerlab-model/1"

# --- activations: the same formulas as LayerLab's engine -------------------------

GELU_C = 0.7978845608028654  # sqrt(2 / pi)
GELU_K = 0.044715
LEAKY_SLOPE = 0.01


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))  # shifted by the row maximum: no overflow
    return e / e.sum(axis=1, keepdims=True)


ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.maximum(z, z * LEAKY_SLOPE),
    "elu": lambda z: np.maximum(z, np.expm1(np.minimum(z, 0.0))),
    # GELU's tanh approximation (PyTorch's approximate="tanh").
    "gelu": lambda z: 0.5 * z * (1.0 + np.tanh(GELU_C * z * (1.0 + GELU_K * z * z))),
    "tanh": np.tanh,
    "sigmoid": lambda z: np.exp(-np.logaddexp(0.0, -z)),  # 1 / (1 + e^-z) without overflow
    "softmax": softmax,
}


# --- reading cells ----------------------------------------------------------------


class Cells:
    """How one text cell reads: missing, a number, or a category."""

    def __init__(self, missing_markers: list[str]) -> None:
        self.missing_markers = set(missing_markers)

    def is_missing(self, text: str | None) -> bool:
        return text is None or text.strip() in self.missing_markers

    def number(self, text: str, number_format: dict[str, Any] | None = None) -> float | None:
        """The cell as a number (possibly infinite), or None if it is not one."""
        text = text.strip()
        if text.lower() in ("true", "false"):
            return 1.0 if text.lower() == "true" else 0.0
        if number_format:  # the column was written as "1,234.5" or "1.234,5" at upload
            if number_format.get("thousands"):
                text = text.replace(number_format["thousands"], "")
            text = text.replace(number_format.get("decimal", "."), ".")
        if "_" in text:  # Python's float() accepts "1_000"; a CSV reader does not
            return None
        try:
            return float(text)
        except ValueError:
            return None

    def category_key(self, text: str, keys: dict[str, int]) -> str:
        """The text a category is matched by: as written, else normalised as a number or
        a boolean would be ("1.0" matches the category 1, "true" matches True)."""
        text = text.strip()
        if text in keys:
            return text
        if text.lower() in ("true", "false"):
            return text.capitalize()
        value = self.number(text)
        if value is None or not math.isfinite(value):
            return text
        return str(int(value)) if value.is_integer() else repr(value)


# --- encoding features --------------------------------------------------------------


def encode_feature(feature: dict[str, Any], cells: list[str | None], reader: Cells) -> np.ndarray:
    """One feature's block of network inputs, shape (n_rows, len(feature["inputs"])), float32."""
    missing = np.array([reader.is_missing(cell) for cell in cells], dtype=bool)
    fill = feature["missing"]["fill"]
    if feature["kind"] == "number":
        numbers = [None if gone else reader.number(cell, feature.get("number_format"))  # type: ignore[arg-type]
                   for cell, gone in zip(cells, missing, strict=True)]
        # LayerLab reads infinity ("inf", "1e999") as a missing value.
        missing |= np.array([v is not None and not math.isfinite(v) for v in numbers], dtype=bool)
        x = np.array([fill if v is None or not math.isfinite(v) else v for v in numbers], dtype=np.float64)
        if "quantiles" in feature:  # quantile: the value's rank among the training values, 0 to 1
            block = rank_by_quantiles(x, feature["quantiles"], feature["references"]).astype(np.float32)
            block = block.reshape(-1, 1)
        else:
            shift, scale = feature.get("shift", 0.0), feature.get("scale", 1.0)
            block = ((x - shift) / scale).astype(np.float32).reshape(-1, 1)  # in float64, then float32
    else:
        keys = {key: i for i, key in enumerate(feature["category_keys"])}
        fill_key = feature["missing"]["fill_key"]
        codes = np.array([keys.get(fill_key if gone else reader.category_key(cell, keys), -1)  # type: ignore[arg-type]
                          for cell, gone in zip(cells, missing, strict=True)], dtype=np.int64)
        block = encode_categories(feature["encoder"], codes, len(keys))
    if feature["missing"]["indicator"]:
        block = np.hstack([block, missing.astype(np.float32).reshape(-1, 1)])
    return block


def rank_by_quantiles(x: np.ndarray, quantiles: list[float], references: list[float]) -> np.ndarray:
    """Interpolated ranks; where quantiles repeat, the middle of their ranks."""
    q, r = np.asarray(quantiles), np.asarray(references)
    if q.size == 1:
        return np.full(x.shape, 0.5)
    return 0.5 * (np.interp(x, q, r) - np.interp(-x, -q[::-1], -r[::-1]))


def encode_categories(encoder: str, codes: np.ndarray, n_categories: int) -> np.ndarray:
    """Category indices (-1: unseen) as the encoder's block, float32."""
    if encoder == "onehot":
        block = np.zeros((codes.size, n_categories), dtype=np.float32)
        seen = np.flatnonzero(codes >= 0)
        block[seen, codes[seen]] = 1.0  # an unseen category stays all zeros
        return block
    if encoder == "ordinal":
        return codes.astype(np.float32).reshape(-1, 1)
    if encoder == "binarize":
        return (codes == 1).astype(np.float32).reshape(-1, 1)  # the second category is 1
    raise ValueError(f"This script does not know the encoder {encoder!r}.")


# --- the network ------------------------------------------------------------------------


def forward(model: dict[str, Any], weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Inputs (n, n_inputs) float32 to outputs (n, n_outputs) after the output activation."""
    for layer in model["layers"]:
        x = x @ weights[layer["weight"]] + weights[layer["bias"]]
        norm = layer["batch_norm"]
        if norm:  # inference mode: the running statistics from training, not the batch's
            scale = weights[norm["gamma"]] / np.sqrt(weights[norm["running_var"]] + norm["epsilon"])
            x = x * scale + (weights[norm["beta"]] - weights[norm["running_mean"]] * scale)
        x = ACTIVATIONS[layer["activation"]](x)
        # Dropout is only active while training: nothing to do here.
    output = model["output"]
    x = x @ weights[output["weight"]] + weights[output["bias"]]
    return ACTIVATIONS[output["activation"]](x)


def decode(model: dict[str, Any], outputs: np.ndarray) -> dict[str, list[Any]]:
    """Network outputs as the prediction columns: labels or values, and probabilities."""
    label = model["label"]
    if model["task"] == "regression":
        values = outputs.astype(np.float64).reshape(-1) * label["std"] + label["mean"]
        if label.get("transform") == "log":  # trained on log(1 + label): back to its units
            values = np.expm1(values)
        return {"predicted": values.tolist()}
    classes = label["classes"]
    if model["task"] == "binary":  # one output: the probability of the second class
        positive = outputs.astype(np.float64).reshape(-1, 1)
        probabilities = np.hstack([1.0 - positive, positive])
        # The second class from the decision threshold on (chosen on the validation rows).
        chosen = (positive[:, 0] >= label.get("threshold", 0.5)).astype(np.int64)
    else:
        probabilities = outputs.astype(np.float64)
        chosen = probabilities.argmax(axis=1)
    columns: dict[str, list[Any]] = {"predicted": [classes[i] for i in chosen]}
    for i, name in enumerate(classes):
        columns[f"probability: {name}"] = probabilities[:, i].tolist()
    return columns


# --- files ------------------------------------------------------------------------------------


def load_model(directory: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    model = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    if model.get("format") != FORMAT:
        sys.exit(f"{directory / 'model.json'} is not a {FORMAT} model.")
    with np.load(directory / "weights.npz", allow_pickle=False) as archive:  # arrays only, never pickle
        weights = {name: archive[name] for name in archive.files}
    return model, weights


def read_rows(path: Path, delimiter: str) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as file:  # utf-8-sig: tolerate a BOM
        rows = list(csv.reader(file, delimiter=delimiter))
    if not rows:
        sys.exit(f"{path} is empty: it needs a header row.")
    header = [name.strip() for name in rows[0]]
    return header, [row for row in rows[1:] if any(cell.strip() for cell in row)]  # skip blank lines


def text_of(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)  # repr: every digit of a float


def predict_file(model_dir: Path, input_path: Path, output_path: Path, delimiter: str) -> int:
    model, weights = load_model(model_dir)
    header, rows = read_rows(input_path, delimiter)
    names = [feature["name"] for feature in model["features"]]
    absent = [name for name in names if name not in header]
    if absent:
        listed = ", ".join(f'"{name}"' for name in absent)
        sys.exit(f"{input_path} has no column {listed}; the model needs the columns {', '.join(names)}.")
    reader = Cells(model["missing_markers"])
    blocks = []
    for feature in model["features"]:
        position = header.index(feature["name"])
        cells = [row[position] if position < len(row) else None for row in rows]
        blocks.append(encode_feature(feature, cells, reader))
    x = np.hstack(blocks) if blocks else np.zeros((len(rows), 0), dtype=np.float32)
    predictions = decode(model, forward(model, weights, x))
    clashing = [name for name in header if name in predictions]
    if clashing:
        print(f"Note: the input's column(s) {', '.join(clashing)} are replaced by the predictions.", file=sys.stderr)
    kept = [i for i, name in enumerate(header) if name not in predictions]
    with output_path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([header[i] for i in kept] + list(predictions))
        for r, row in enumerate(rows):
            passed = [row[i] if i < len(row) else "" for i in kept]
            writer.writerow(passed + [text_of(column[r]) for column in predictions.values()])
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Predict with a LayerLab model (stdlib + NumPy).")
    parser.add_argument("input", type=Path, help="CSV of new rows, with a header row")
    parser.add_argument("output", type=Path, help="CSV to write: the input's columns plus the predictions")
    parser.add_argument("--model", type=Path, default=Path(__file__).resolve().parent,
                        help="folder with model.json and weights.npz (default: this script's folder)")
    parser.add_argument("--delimiter", default=",", help='field separator of the input (default ",")')
    args = parser.parse_args(argv)
    count = predict_file(args.model, args.input, args.output, args.delimiter)
    print(f"Wrote {count} prediction(s) to {args.output}.", file=sys.stderr)


if __name__ == "__main__":
    main()
