"""A small builder over the `onnx` helper API: nodes, constants and unique names.

The exported graph's inputs are named as the dataset's columns, and a column may be
called anything, so every intermediate name is checked against the reserved ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import NodeProto, TensorProto, helper, numpy_helper

ML_DOMAIN = "ai.onnx.ml"
FLOAT, DOUBLE, INT64, BOOL, STRING = (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.INT64,
                                      TensorProto.BOOL, TensorProto.STRING)


class GraphBuilder:
    """Collects nodes and initializers; each `op` returns the name of its one output."""

    def __init__(self, reserved: set[str]) -> None:
        self.reserved = set(reserved)
        self.nodes: list[NodeProto] = []
        self.initializers: list[TensorProto] = []
        self._count = 0

    def fresh(self, hint: str) -> str:
        while True:
            self._count += 1
            name = f"{hint}:{self._count}"
            if name not in self.reserved:
                self.reserved.add(name)
                return name

    def const(self, value: Any, hint: str, dtype: Any = None) -> str:
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str, *, output: str | None = None,
           domain: str = "", **attributes: Any) -> str:
        name = output or self.fresh(hint)
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=self.fresh(op_type),
                                           domain=domain, **attributes))
        return name

    def cast(self, name: str, to: int) -> str:
        return self.op("Cast", [name], "cast", to=to)
