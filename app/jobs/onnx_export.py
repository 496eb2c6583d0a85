"""`model.onnx`: the model with its preprocessing, as one ONNX graph any runtime can serve.

Built with the `onnx` helper API from the zip's `model.json` and `weights.npz`, so it
says exactly what `predict.py` says. Inputs: one per feature, named as the column,
shape [N, 1] (see `onnx_features`). Outputs: `label` [N] (the decoded class as text
for classification, the value in the label's units for regression) and, for
classification, `probabilities` [N, classes] in the order of the metadata's `classes`.
Batch norm is folded into the dense layer before it and dropout is left out, as at
prediction time. Opsets are pinned to ai.onnx 17 and ai.onnx.ml 3, which current
runtimes all read.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import onnx
from onnx import ModelProto, helper

from app.jobs.onnx_features import feature_block, feature_input, takes_numbers
from app.jobs.onnx_graph import DOUBLE, FLOAT, INT64, ML_DOMAIN, STRING, GraphBuilder

OPSETS = {"": 17, ML_DOMAIN: 3}
IR_VERSION = 8  # the IR of opset 17: older runtimes read it too
OUTPUT_NAMES = ("label", "probabilities")
GELU_C = 0.7978845608028654  # sqrt(2 / pi): LayerLab's GELU is the tanh approximation
GELU_K = 0.044715
LEAKY_SLOPE = 0.01
# A regression model's target transform in model.json ("label": {"transform": ...}):
# "log" is LayerLab's log(1 + y), undone by expm1.
LOG_TRANSFORMS = ("log", "log1p")


class OnnxExportError(ValueError):
    """The model cannot be written as ONNX; the message says why."""


def build_onnx(document: dict[str, Any], weights: dict[str, np.ndarray]) -> ModelProto:
    """The ONNX model of a `model.json` document and its weights."""
    features = document["features"]
    clashing = sorted({f["name"] for f in features} & set(OUTPUT_NAMES))
    if clashing:
        raise OnnxExportError(f'A feature is called "{clashing[0]}", which is the name of an ONNX output; '
                              "rename the column to export this model as ONNX.")
    graph = GraphBuilder(reserved={f["name"] for f in features} | set(OUTPUT_NAMES))
    blocks = [block for f in features for block in feature_block(graph, f, document["missing_markers"])]
    x = graph.op("Concat", blocks, "inputs", axis=1) if len(blocks) > 1 else blocks[0]
    for layer in document["layers"]:
        weight, bias = folded_dense(layer, weights)
        x = dense(graph, x, weight, bias)
        x = HIDDEN_ACTIVATIONS[layer["activation"]](graph, x)
    output = document["output"]
    x = dense(graph, x, weights[output["weight"]], weights[output["bias"]])
    outputs = OUTPUT_BUILDERS[document["task"]](graph, x, document)
    onnx_graph = helper.make_graph(graph.nodes, f"layerlab_{document['task']}",
                                   [feature_input(f) for f in features], outputs, graph.initializers)
    model = helper.make_model(onnx_graph, producer_name="LayerLab",
                              opset_imports=[helper.make_opsetid(d, v) for d, v in OPSETS.items()])
    model.ir_version = IR_VERSION
    helper.set_model_props(model, metadata(document))
    onnx.checker.check_model(model, full_check=True)
    return model


def metadata(document: dict[str, Any]) -> dict[str, str]:
    label = document["label"]
    props = {"layerlab_format": document["format"], "task": document["task"], "label_name": str(label["name"]),
             "inputs": json.dumps({f["name"]: "float" if takes_numbers(f) else "string"
                                   for f in document["features"]})}
    if document["task"] != "regression":
        props["classes"] = json.dumps(class_texts(document))
    if document["task"] == "binary":
        props["threshold"] = repr(decision_threshold(document))
    return props


def class_texts(document: dict[str, Any]) -> list[str]:
    """The classes as predict.py writes them (every digit of a float)."""
    return [repr(c) if isinstance(c, float) else str(c) for c in document["label"]["classes"]]


def stored_threshold(document: dict[str, Any]) -> float | None:
    """The decision threshold stored with a binary model (probability of the second class), if any."""
    label = document["label"]
    for value in (label.get("threshold"), document.get("decision_threshold"), document.get("threshold")):
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0:
            return float(value)
    return None


def decision_threshold(document: dict[str, Any]) -> float:
    threshold = stored_threshold(document)
    return 0.5 if threshold is None else threshold


# --- the network -----------------------------------------------------------------------


def folded_dense(layer: dict[str, Any], weights: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The dense layer's weight and bias with its batch norm (inference mode) folded in."""
    weight = weights[layer["weight"]].astype(np.float64)
    bias = weights[layer["bias"]].astype(np.float64)
    norm = layer["batch_norm"]
    if norm:
        scale = weights[norm["gamma"]].astype(np.float64) / np.sqrt(
            weights[norm["running_var"]].astype(np.float64) + norm["epsilon"])
        weight = weight * scale
        bias = bias * scale + (weights[norm["beta"]] - weights[norm["running_mean"]] * scale)
    return weight.astype(np.float32), bias.astype(np.float32)


def dense(graph: GraphBuilder, x: str, weight: np.ndarray, bias: np.ndarray) -> str:
    product = graph.op("MatMul", [x, graph.const(weight, "weight", np.float32)], "matmul")
    return graph.op("Add", [product, graph.const(bias, "bias", np.float32)], "dense")


def _scalar(graph: GraphBuilder, value: float) -> str:
    return graph.const(value, "scalar", np.float32)


def gelu(graph: GraphBuilder, z: str) -> str:
    """0.5 z (1 + tanh(c z (1 + k z²))), as LayerLab's engine computes it."""
    inner = graph.op("Mul", [graph.op("Mul", [z, z], "square"), _scalar(graph, GELU_K)], "gelu")
    inner = graph.op("Add", [inner, _scalar(graph, 1.0)], "gelu")
    inner = graph.op("Mul", [graph.op("Mul", [inner, z], "gelu"), _scalar(graph, GELU_C)], "gelu")
    half = graph.op("Mul", [graph.op("Add", [graph.op("Tanh", [inner], "gelu"), _scalar(graph, 1.0)], "gelu"),
                            _scalar(graph, 0.5)], "gelu")
    return graph.op("Mul", [z, half], "gelu")


HIDDEN_ACTIVATIONS = {
    "linear": lambda graph, z: z,
    "relu": lambda graph, z: graph.op("Relu", [z], "relu"),
    "leaky_relu": lambda graph, z: graph.op("LeakyRelu", [z], "leaky_relu", alpha=LEAKY_SLOPE),
    "elu": lambda graph, z: graph.op("Elu", [z], "elu", alpha=1.0),
    "gelu": gelu,
    "tanh": lambda graph, z: graph.op("Tanh", [z], "tanh"),
    "sigmoid": lambda graph, z: graph.op("Sigmoid", [z], "sigmoid"),
}


# --- the outputs -----------------------------------------------------------------------------


def _flat(graph: GraphBuilder, x: str, output: str) -> str:
    return graph.op("Reshape", [x, graph.const([-1], "shape", np.int64)], "flat", output=output)


def _class_label(graph: GraphBuilder, index: str, document: dict[str, Any]) -> str:
    texts = class_texts(document)
    label = graph.op("LabelEncoder", [index], "label", domain=ML_DOMAIN, keys_int64s=list(range(len(texts))),
                     values_strings=texts, default_string="")
    return _flat(graph, label, "label")


def _probabilities_output(n_classes: int) -> Any:
    return helper.make_tensor_value_info("probabilities", FLOAT, ["N", n_classes])


def binary_outputs(graph: GraphBuilder, logits: str, document: dict[str, Any]) -> list[Any]:
    positive = graph.op("Sigmoid", [logits], "positive")
    negative = graph.op("Sub", [_scalar(graph, 1.0), positive], "negative")
    graph.op("Concat", [negative, positive], "probabilities", output="probabilities", axis=1)
    threshold = stored_threshold(document)
    p = graph.cast(positive, DOUBLE)
    cut = graph.const(0.5 if threshold is None else threshold, "threshold", np.float64)
    # Without a stored threshold LayerLab takes the likelier class, the first on a tie: p > 0.5.
    index = graph.cast(graph.op("Greater" if threshold is None else "GreaterOrEqual", [p, cut], "is_positive"), INT64)
    _class_label(graph, index, document)
    return [helper.make_tensor_value_info("label", STRING, ["N"]), _probabilities_output(2)]


def multiclass_outputs(graph: GraphBuilder, logits: str, document: dict[str, Any]) -> list[Any]:
    probabilities = graph.op("Softmax", [logits], "probabilities", output="probabilities", axis=1)
    index = graph.op("ArgMax", [probabilities], "index", axis=1, keepdims=1)
    _class_label(graph, index, document)
    n_classes = len(document["label"]["classes"])
    return [helper.make_tensor_value_info("label", STRING, ["N"]), _probabilities_output(n_classes)]


def regression_outputs(graph: GraphBuilder, output: str, document: dict[str, Any]) -> list[Any]:
    label = document["label"]
    value = graph.op("Mul", [graph.cast(output, DOUBLE), graph.const(float(label["std"]), "std", np.float64)],
                     "unscaled")
    value = graph.op("Add", [value, graph.const(float(label["mean"]), "mean", np.float64)], "value")
    value = undo_target_transform(graph, value, label.get("transform"))
    _flat(graph, graph.cast(value, FLOAT), "label")
    return [helper.make_tensor_value_info("label", FLOAT, ["N"])]


def undo_target_transform(graph: GraphBuilder, value: str, transform: Any) -> str:
    """A regression target trained as log(1 + y) back in the label's units: exp(v) - 1."""
    name = transform.get("name") if isinstance(transform, dict) else transform
    if name in (None, "none", "identity"):
        return value
    if name not in LOG_TRANSFORMS:
        raise OnnxExportError(f"The target transform {name!r} has no ONNX inverse here.")
    return graph.op("Sub", [graph.op("Exp", [value], "exp"), graph.const(1.0, "one", np.float64)], "expm1")


OUTPUT_BUILDERS = {"binary": binary_outputs, "multiclass": multiclass_outputs, "regression": regression_outputs}


def onnx_bytes(document: dict[str, Any], weights: dict[str, np.ndarray]) -> bytes:
    return build_onnx(document, weights).SerializeToString()

