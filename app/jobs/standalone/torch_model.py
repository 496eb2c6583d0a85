"""A LayerLab model as PyTorch code: the network as an `nn.Sequential`, its preprocessing
as plain functions, and a loader for `weights.npz`, so that you can carry on in code.

    python torch_model.py new_rows.csv > predictions.csv     # needs torch and numpy

In Python, from the folder with `model.json` and `weights.npz`:

    from torch_model import load_network, read_csv, encode_rows, predict
    model, net = load_network(".")                 # net outputs logits; predict() adds the rest
    x = encode_rows(model, read_csv("new_rows.csv"))
    print(predict(model, net, x))                  # labels (or values) and probabilities
    # train on: net.train(); torch.optim.Adam(net.parameters(), lr=1e-3) with
    # nn.BCEWithLogitsLoss (binary), nn.CrossEntropyLoss (multi-class) or nn.MSELoss on
    # targets standardized as model.json's label says (regression).

The preprocessing is that of `predict.py` (LayerLab's reference): a missing cell takes
the training value (plus a "was missing" input where training had missing values),
numbers are shifted and scaled, categories become one-hot columns, an index or 0 / 1,
and a category never seen in training becomes all zeros, -1 or 0.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

FORMAT = "layerlab-model/1"
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "elu": lambda: nn.ELU(alpha=1.0),
    "gelu": lambda: nn.GELU(approximate="tanh"),  # LayerLab's GELU is the tanh approximation
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
}


# --- the network -----------------------------------------------------------------------


def build_network(model: dict[str, Any]) -> nn.Sequential:
    """Per hidden layer Linear → [BatchNorm1d] → activation → [Dropout], then the output
    Linear. It ends in logits: `output_activation` turns them into predictions."""
    parts: list[nn.Module] = []
    width = len(model["input_names"])
    for layer in model["layers"]:
        parts.append(nn.Linear(width, layer["units"]))
        if layer["batch_norm"]:
            parts.append(nn.BatchNorm1d(layer["units"], eps=layer["batch_norm"]["epsilon"], momentum=0.1))
        parts.append(ACTIVATIONS[layer["activation"]]())
        if layer["dropout"]:
            parts.append(nn.Dropout(layer["dropout"]))
        width = layer["units"]
    parts.append(nn.Linear(width, model["output"]["units"]))
    return nn.Sequential(*parts)


def load_weights(folder: str | Path) -> dict[str, np.ndarray]:
    with np.load(Path(folder) / "weights.npz", allow_pickle=False) as archive:  # arrays only, never pickle
        return {name: archive[name] for name in archive.files}


def load_network(folder: str | Path = ".") -> tuple[dict[str, Any], nn.Sequential]:
    """model.json and the network with LayerLab's weights, in evaluation mode."""
    model = json.loads((Path(folder) / "model.json").read_text(encoding="utf-8"))
    if model.get("format") != FORMAT:
        raise ValueError(f"{folder}/model.json is not a {FORMAT} model.")
    weights, net = load_weights(folder), build_network(model)
    modules = iter(net)
    with torch.no_grad():
        for layer in [*model["layers"], model["output"]]:
            linear = next(modules)
            linear.weight.copy_(torch.from_numpy(weights[layer["weight"]].T))  # LayerLab: (in, out)
            linear.bias.copy_(torch.from_numpy(weights[layer["bias"]]))
            norm = layer.get("batch_norm")
            if norm:
                batch_norm = next(modules)
                for attribute in ("running_mean", "running_var"):
                    getattr(batch_norm, attribute).copy_(torch.from_numpy(weights[norm[attribute]]))
                batch_norm.weight.copy_(torch.from_numpy(weights[norm["gamma"]]))
                batch_norm.bias.copy_(torch.from_numpy(weights[norm["beta"]]))
            if layer is not model["output"]:
                next(modules)  # the activation
                if layer["dropout"]:
                    next(modules)
    return model, net.eval()


def output_activation(model: dict[str, Any], logits: torch.Tensor) -> torch.Tensor:
    name = model["output"]["activation"]
    if name == "sigmoid":
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=1) if name == "softmax" else logits


def predict(model: dict[str, Any], net: nn.Sequential, x: torch.Tensor) -> dict[str, list[Any]]:
    """The prediction columns LayerLab writes: "predicted", and "probability: <class>"."""
    net.eval()
    with torch.no_grad():
        outputs = output_activation(model, net(x)).double().numpy()
    label = model["label"]
    if model["task"] == "regression":
        values = outputs[:, 0] * label["std"] + label["mean"]
        if label.get("transform") == "log":  # trained on log(1 + label): back to its units
            values = np.expm1(values)
        return {"predicted": values.tolist()}
    if model["task"] == "binary":  # one output: the probability of the second class
        probabilities = np.hstack([1.0 - outputs, outputs])
        # The second class from the decision threshold on, as predict.py decides it.
        chosen = (outputs[:, 0] >= label.get("threshold", 0.5)).astype(np.int64)
    else:
        probabilities = outputs
        chosen = probabilities.argmax(axis=1)
    columns: dict[str, list[Any]] = {"predicted": [label["classes"][i] for i in chosen]}
    for i, name in enumerate(label["classes"]):
        columns[f"probability: {name}"] = probabilities[:, i].tolist()
    return columns


# --- the preprocessing --------------------------------------------------------------------


def is_missing(cell: Any, markers: set[str]) -> bool:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return True
    return isinstance(cell, str) and cell.strip() in markers


def as_number(cell: Any, number_format: dict[str, Any] | None = None) -> float | None:
    """A cell as a number ("1,234.5" in a column written so), or None if it is not one."""
    if isinstance(cell, (bool, int, float)):
        return float(cell)
    text = str(cell).strip()
    if text.lower() in ("true", "false"):
        return float(text.lower() == "true")
    if number_format:
        text = text.replace(number_format.get("thousands") or "", "").replace(number_format.get("decimal", "."), ".")
    try:
        return None if "_" in text else float(text)
    except ValueError:
        return None


def category_key(cell: Any, keys: dict[str, int]) -> str:
    """The text a category is matched by: 1, 1.0 and "1" are one category; "true" is True."""
    text = str(cell).strip()
    if text in keys:
        return text
    if text.lower() in ("true", "false"):
        return text.capitalize()
    value = as_number(cell)
    if value is None or not math.isfinite(value):
        return text
    return str(int(value)) if value.is_integer() else repr(value)


def encode_number(feature: dict[str, Any], cells: list[Any], missing: np.ndarray) -> np.ndarray:
    """(x - shift) / scale; missing, infinite or non-number cells take the training mean."""
    number_format = feature.get("number_format")
    numbers = [None if gone else as_number(cell, number_format) for cell, gone in zip(cells, missing, strict=True)]
    missing |= np.array([v is not None and not math.isfinite(v) for v in numbers], dtype=bool)
    fill = feature["missing"]["fill"]
    x = np.array([fill if v is None or not math.isfinite(v) else v for v in numbers], dtype=np.float64)
    if "quantiles" in feature:  # the quantile encoder: the rank among the training values, 0 to 1
        q, r = np.asarray(feature["quantiles"]), np.asarray(feature["references"])
        ranks = np.full(x.shape, 0.5) if q.size == 1 else 0.5 * (np.interp(x, q, r) - np.interp(-x, -q[::-1], -r[::-1]))
        return ranks.astype(np.float32).reshape(-1, 1)
    return ((x - feature.get("shift", 0.0)) / feature.get("scale", 1.0)).astype(np.float32).reshape(-1, 1)


def encode_category(feature: dict[str, Any], cells: list[Any], missing: np.ndarray) -> np.ndarray:
    """One-hot columns, an ordinal index or 0 / 1; an unseen category is index -1."""
    keys = {key: i for i, key in enumerate(feature["category_keys"])}
    fill = feature["missing"]["fill_key"]
    codes = np.array([keys.get(fill if gone else category_key(cell, keys), -1)
                      for cell, gone in zip(cells, missing, strict=True)])
    if feature["encoder"] == "onehot":
        return (codes.reshape(-1, 1) == np.arange(len(keys))).astype(np.float32)
    if feature["encoder"] == "ordinal":
        return codes.astype(np.float32).reshape(-1, 1)
    return (codes == 1).astype(np.float32).reshape(-1, 1)  # binarize: the second category is 1


def encode_rows(model: dict[str, Any], columns: dict[str, list[Any]]) -> torch.Tensor:
    """The network's inputs (n, n_inputs) from raw columns: {column name: list of cells}."""
    markers = set(model["missing_markers"])
    blocks = []
    for feature in model["features"]:
        cells = columns[feature["name"]]
        missing = np.array([is_missing(cell, markers) for cell in cells], dtype=bool)
        encode = encode_number if feature["kind"] == "number" else encode_category
        blocks.append(encode(feature, cells, missing))
        if feature["missing"]["indicator"]:
            blocks.append(missing.astype(np.float32).reshape(-1, 1))
    return torch.from_numpy(np.hstack(blocks))


def read_csv(path: str | Path, delimiter: str = ",") -> dict[str, list[str]]:
    with Path(path).open(newline="", encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file, delimiter=delimiter))
    return {name.strip(): [row[name] for row in rows] for name in (rows[0] if rows else {})}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python torch_model.py new_rows.csv > predictions.csv")
    model, net = load_network(Path(__file__).resolve().parent)
    columns = predict(model, net, encode_rows(model, read_csv(sys.argv[1])))
    writer = csv.writer(sys.stdout)
    writer.writerow(columns)
    writer.writerows(zip(*columns.values(), strict=True))
