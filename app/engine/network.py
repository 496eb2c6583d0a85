"""The network: a stack of layers whose parameters share one flat float32 vector."""

from __future__ import annotations

from typing import Any

import numpy as np


class Network:
    """A multilayer perceptron. Build one with ``build_mlp`` or ``Network.from_config``.

    predict(X): X (n, n_inputs) -> (n, n_outputs) float32, after the output
    activation (probabilities for sigmoid / softmax, values for linear).
    """

    n_inputs: int
    n_outputs: int
    output: str

    @property
    def n_parameters(self) -> int:
        raise NotImplementedError

    def predict(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def to_config(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Network:
        raise NotImplementedError


def build_mlp(
    n_inputs: int,
    hidden: list[dict[str, Any]],
    n_outputs: int,
    output: str = "linear",
    seed: int = 0,
) -> Network:
    """A network of ``hidden`` layers, each a dict ``{"units": 64, "activation": "relu",
    "dropout": 0.0, "batchnorm": False}``, then ``n_outputs`` units and the output
    activation ("sigmoid" | "softmax" | "linear"). Weights come from ``seed``."""
    raise NotImplementedError
