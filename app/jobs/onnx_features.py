"""The ONNX graph's preprocessing: one raw column in, its block of network inputs out.

Each feature of `model.json` (see `model_export`) becomes one graph input named as the
column, shape [N, 1]: float for numbers and for categories that are all numbers or
yes/no values (NaN: missing), string otherwise ("" or a missing marker: missing).
The steps are those of the standalone `predict.py`, LayerLab's reference:
imputation with the training statistic (plus the "is missing" input where training
had missing values), then the affine scaling, or the category's index turned into
one-hot columns, an ordinal number or 0 / 1; an unseen category is index -1, so it
encodes as all zeros (one-hot), -1 (ordinal) or 0 (binarize).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import ValueInfoProto, helper

from app.jobs.onnx_graph import BOOL, DOUBLE, FLOAT, ML_DOMAIN, STRING, GraphBuilder


def takes_numbers(feature: dict[str, Any]) -> bool:
    """Whether the column arrives as float: numbers, or categories that are all numbers."""
    if feature["kind"] == "number":
        return True
    categories = feature["categories"]
    return bool(categories) and all(isinstance(c, (int, float)) for c in categories)  # bool is an int


def feature_input(feature: dict[str, Any]) -> ValueInfoProto:
    element = FLOAT if takes_numbers(feature) else STRING
    return helper.make_tensor_value_info(feature["name"], element, ["N", 1])


def feature_block(graph: GraphBuilder, feature: dict[str, Any], missing_markers: list[str]) -> list[str]:
    """The names of the float [N, width] tensors this feature contributes, in input order."""
    if feature["kind"] == "number":
        values, missing = number_values(graph, feature)
        blocks = [values]
    else:
        codes, missing = category_codes(graph, feature, missing_markers)
        blocks = [CATEGORY_ENCODERS[feature["encoder"]](graph, codes, len(feature["categories"]))]
    if feature["missing"]["indicator"]:
        blocks.append(graph.cast(missing, FLOAT))
    return [block for block in blocks if block]


def number_values(graph: GraphBuilder, feature: dict[str, Any]) -> tuple[str, str]:
    """The number encoded in float64 then float32, the missing (NaN or infinite) filled first:
    (x - shift) / scale, or its rank among the training quantiles (the quantile encoder)."""
    x = graph.cast(feature["name"], DOUBLE)
    missing = graph.op("Or", [graph.op("IsNaN", [x], "nan"), graph.op("IsInf", [x], "inf")], "missing")
    filled = graph.op("Where", [missing, graph.const(float(feature["missing"]["fill"]), "fill", np.float64), x],
                      "filled")
    if "quantiles" in feature:
        return graph.cast(quantile_rank(graph, filled, feature["quantiles"], feature["references"]), FLOAT), missing
    shifted = graph.op("Sub", [filled, graph.const(float(feature.get("shift", 0.0)), "shift", np.float64)], "shifted")
    scaled = graph.op("Div", [shifted, graph.const(float(feature.get("scale", 1.0)), "scale", np.float64)], "scaled")
    return graph.cast(scaled, FLOAT), missing


def quantile_rank(graph: GraphBuilder, x: str, quantiles: list[float], references: list[float]) -> str:
    """LayerLab's interpolated rank, float64 [N, 1]: the first reference, plus each sloped segment's
    share of x, plus half of each jump (a repeated quantile) at x and half past it, which is
    the mean of interpolating upwards and downwards."""
    q, r = np.asarray(quantiles, dtype=np.float64), np.asarray(references, dtype=np.float64)
    if q.size == 1:
        return graph.op("Add", [graph.op("Mul", [x, graph.const(0.0, "zero", np.float64)], "zero"),
                                graph.const(0.5, "middle", np.float64)], "rank")
    widths, rises = np.diff(q), np.diff(r)
    sloped, jumps = widths > 0, widths == 0
    rank = graph.op("Add", [graph.op("Mul", [x, graph.const(0.0, "zero", np.float64)], "zero"),
                            graph.const(r[0], "first", np.float64)], "rank")
    axes = graph.const([1], "axes", np.int64)
    if sloped.any():
        start = graph.const(q[:-1][sloped].reshape(1, -1), "starts", np.float64)
        into = graph.op("Max", [graph.op("Sub", [x, start], "into"), graph.const(0.0, "zero", np.float64)], "into")
        into = graph.op("Min", [into, graph.const(widths[sloped].reshape(1, -1), "widths", np.float64)], "into")
        slopes = graph.const((rises[sloped] / widths[sloped]).reshape(1, -1), "slopes", np.float64)
        rise = graph.op("ReduceSum", [graph.op("Mul", [into, slopes], "rise"), axes], "rise", keepdims=1)
        rank = graph.op("Add", [rank, rise], "rank")
    if jumps.any():
        at = graph.const(q[:-1][jumps].reshape(1, -1), "jumps", np.float64)
        reached = graph.op("Add", [graph.cast(graph.op("GreaterOrEqual", [x, at], "at"), DOUBLE),
                                   graph.cast(graph.op("Greater", [x, at], "past"), DOUBLE)], "reached")
        halves = graph.const((rises[jumps] / 2).reshape(1, -1), "halves", np.float64)
        step = graph.op("ReduceSum", [graph.op("Mul", [reached, halves], "step"), axes], "step", keepdims=1)
        rank = graph.op("Add", [rank, step], "rank")
    return rank


def category_codes(graph: GraphBuilder, feature: dict[str, Any], missing_markers: list[str]) -> tuple[str, str]:
    """Each row's category index, int64 [N, 1] (-1: unseen), and whether it was missing.

    A missing row takes the index of the training's most frequent category."""
    name, categories = feature["name"], feature["categories"]
    indices = list(range(len(categories)))
    if takes_numbers(feature):
        missing = graph.op("IsNaN", [name], "missing")
        codes = graph.op("LabelEncoder", [name], "codes", domain=ML_DOMAIN, default_int64=-1,
                         keys_floats=[float(c) for c in categories], values_int64s=indices)
        fill_index = _index_of(float(feature["missing"]["fill"]) if _is_number(feature["missing"]["fill"]) else None,
                               [float(c) for c in categories])
    else:
        keys = list(feature["category_keys"])
        markers = [marker for marker in missing_markers if marker not in keys]
        flagged = graph.op("LabelEncoder", [name], "flagged", domain=ML_DOMAIN, default_int64=0,
                           keys_strings=markers, values_int64s=[1] * len(markers))
        missing = graph.cast(flagged, BOOL)
        codes = graph.op("LabelEncoder", [name], "codes", domain=ML_DOMAIN, default_int64=-1,
                         keys_strings=keys, values_int64s=indices)
        fill_index = _index_of(feature["missing"].get("fill_key"), keys)
    filled = graph.op("Where", [missing, graph.const(fill_index, "fill_index", np.int64), codes], "codes")
    return filled, missing


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float))


def _index_of(value: Any, keys: list[Any]) -> int:
    return keys.index(value) if value in keys else -1


def onehot(graph: GraphBuilder, codes: str, n_categories: int) -> str:
    if n_categories == 0:
        return ""
    positions = graph.const(np.arange(n_categories, dtype=np.int64).reshape(1, -1), "categories")
    return graph.cast(graph.op("Equal", [codes, positions], "onehot"), FLOAT)


def ordinal(graph: GraphBuilder, codes: str, n_categories: int) -> str:
    return graph.cast(codes, FLOAT)


def binarize(graph: GraphBuilder, codes: str, n_categories: int) -> str:
    return graph.cast(graph.op("Equal", [codes, graph.const(1, "second", np.int64)], "binary"), FLOAT)


CATEGORY_ENCODERS = {"onehot": onehot, "ordinal": ordinal, "binarize": binarize}
