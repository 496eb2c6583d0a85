"""The network: a stack of layers whose parameters are views of one flat vector.

One flat vector for all parameters (and one for their gradients) lets the
optimizer, weight decay, gradient clipping, the divergence check and the
best-weights snapshot each be a handful of NumPy calls however many layers
there are. The weight matrices come first, so weight decay is one slice.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from app.engine.activations import ACTIVATIONS
from app.engine.initializers import DEFAULT_FOR_ACTIVATION, INITIALIZERS
from app.engine.layers import Activation, BatchNorm, Dense, Dropout, Layer

OUTPUTS = ("sigmoid", "softmax", "linear")
CONFIG_KIND = "layerlab.mlp"
CONFIG_VERSION = 1
_HIDDEN_DEFAULTS: dict[str, Any] = {"activation": "relu", "dropout": 0.0, "batchnorm": False}
_PREDICT_CHUNK = 8192  # rows per forward pass in predict: bounds the memory used


def _views(flat: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Consecutive views of ``flat`` with the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return views


def _hidden_spec(spec: dict[str, Any], position: int) -> dict[str, Any]:
    unknown = set(spec) - {"units", "initializer", *_HIDDEN_DEFAULTS}
    if unknown:
        raise ValueError(f"Hidden layer {position} has unknown settings: {sorted(unknown)}.")
    full = {**_HIDDEN_DEFAULTS, **spec}
    units, activation = full.get("units"), full["activation"]
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise ValueError(f"Hidden layer {position} needs a whole number of units ≥ 1, not {units!r}.")
    if activation not in ACTIVATIONS:
        raise ValueError(f"Hidden layer {position} has an unknown activation {activation!r}.")
    full["dropout"] = float(full["dropout"])
    if not 0.0 <= full["dropout"] < 1.0:
        raise ValueError(f"Hidden layer {position} needs a dropout rate from 0 up to (not incl.) 1.")
    full["batchnorm"] = bool(full["batchnorm"])
    full.setdefault("initializer", DEFAULT_FOR_ACTIVATION[activation])
    if full["initializer"] not in INITIALIZERS:
        raise ValueError(f"Hidden layer {position} has an unknown initializer {full['initializer']!r}.")
    return full


class Network:
    """A multilayer perceptron: per hidden layer Dense → [BatchNorm] → activation
    → [Dropout], then a Dense output layer producing logits.

    predict(X): X (n, n_inputs) -> (n, n_outputs) float32 after the output
    activation: probabilities for "sigmoid" / "softmax", values for "linear".
    forward(X) gives the logits (before the output activation).
    ``params`` / ``grads`` are the flat vectors (n_parameters,); ``state`` holds
    the batch-norm running statistics. ``dtype`` float64 exists for gradient checks.
    """

    def __init__(self, n_inputs: int, hidden: list[dict[str, Any]], n_outputs: int,
                 output: str = "linear", seed: int = 0, dtype: DTypeLike = np.float32) -> None:
        if output not in OUTPUTS:
            raise ValueError(f"The output activation must be one of {', '.join(OUTPUTS)}, not {output!r}.")
        if n_inputs < 1 or n_outputs < 1:
            raise ValueError("A network needs at least one input and one output.")
        self.n_inputs, self.n_outputs, self.output = n_inputs, n_outputs, output
        self.hidden = [_hidden_spec(spec, i) for i, spec in enumerate(hidden)]
        self.dtype = np.dtype(dtype)
        self.named_layers: list[tuple[str, Layer]] = []
        width = n_inputs
        for i, spec in enumerate(self.hidden):
            units = spec["units"]
            self._add(f"hidden{i}.dense", Dense(width, units, spec["initializer"], self.dtype))
            if spec["batchnorm"]:
                self._add(f"hidden{i}.batchnorm", BatchNorm(units, self.dtype))
            self._add(f"hidden{i}.{spec['activation']}", Activation(spec["activation"], units, self.dtype))
            if spec["dropout"] > 0.0:
                self._add(f"hidden{i}.dropout", Dropout(spec["dropout"], units, self.dtype))
            width = units
        self._add("output.dense", Dense(width, n_outputs, DEFAULT_FOR_ACTIVATION[output], self.dtype))
        self.layers = [layer for _, layer in self.named_layers]
        first = self.layers[0]
        assert isinstance(first, Dense)
        first.needs_input_grad = False  # its input is the data
        self._allocate()
        rng = np.random.default_rng(seed)
        for layer in self.layers:
            layer.initialize(rng)

    def _add(self, name: str, layer: Layer) -> None:
        self.named_layers.append((name, layer))

    def _allocate(self) -> None:
        # Decayed parameters (the weight matrices) first, so weight decay is
        # params[:n_decayed]; the sort is stable, so layer order holds within each group.
        slots = sorted(((name, layer, key, shape) for name, layer in self.named_layers
                        for key, shape in layer.parameter_shapes().items()),
                       key=lambda slot: slot[2] not in slot[1].DECAYED)
        state_slots = [(name, layer, key, shape) for name, layer in self.named_layers
                       for key, shape in layer.state_shapes().items()]
        shapes, state_shapes = [slot[3] for slot in slots], [slot[3] for slot in state_slots]
        self.params = np.zeros(sum(map(math.prod, shapes)), self.dtype)
        self.grads = np.zeros_like(self.params)
        self.state = np.zeros(sum(map(math.prod, state_shapes)), self.dtype)
        self.n_decayed = sum(math.prod(shape) for _, layer, key, shape in slots if key in layer.DECAYED)
        self.arrays: dict[str, np.ndarray] = {}  # every saved array by name, as views
        bound: dict[int, tuple[dict[str, np.ndarray], ...]] = {
            id(layer): ({}, {}, {}) for layer in self.layers}  # params, grads, state
        views = zip(slots, _views(self.params, shapes), _views(self.grads, shapes), strict=True)
        for (name, layer, key, _), param, grad in views:
            bound[id(layer)][0][key], bound[id(layer)][1][key] = param, grad
            self.arrays[f"{name}.{key}"] = param
        for (name, layer, key, _), array in zip(state_slots, _views(self.state, state_shapes), strict=True):
            bound[id(layer)][2][key] = array
            self.arrays[f"{name}.{key}"] = array
        for layer in self.layers:
            layer.bind(*bound[id(layer)])

    @property
    def n_parameters(self) -> int:
        return int(self.params.size)

    def set_rng(self, rng: np.random.Generator) -> None:
        """Draw dropout masks from ``rng`` (the training seed's)."""
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.rng = rng

    def check_inputs(self, X: np.ndarray) -> np.ndarray:
        """X as a C-contiguous (n, n_inputs) array of the network's dtype."""
        X = np.ascontiguousarray(X, dtype=self.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"Expected inputs of shape (n, {self.n_inputs}), got {X.shape}.")
        return X

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Logits (n, n_outputs). While training, the result is a reused buffer."""
        for layer in self.layers:
            X = layer.forward(X, training)
        return X

    def backward(self, delta: np.ndarray) -> None:
        """Fill ``grads`` from d loss / d logits (n, n_outputs), after a training forward.
        Gradients are overwritten, never accumulated: there is nothing to zero."""
        for layer in reversed(self.layers):
            delta = layer.backward(delta)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """(n, n_inputs) -> (n, n_outputs) after the output activation, in inference mode."""
        X = self.check_inputs(X)
        out = np.empty((X.shape[0], self.n_outputs), self.dtype)
        for start in range(0, X.shape[0], _PREDICT_CHUNK):
            logits = self.forward(X[start:start + _PREDICT_CHUNK])
            ACTIVATIONS[self.output](logits, out[start:start + _PREDICT_CHUNK])
        return out

    def to_config(self) -> dict[str, Any]:
        """The architecture as plain JSON-able data (weights are saved separately)."""
        return {"kind": CONFIG_KIND, "version": CONFIG_VERSION, "n_inputs": self.n_inputs,
                "hidden": [dict(spec) for spec in self.hidden],
                "n_outputs": self.n_outputs, "output": self.output}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Network:
        """A freshly initialized network of the architecture ``to_config`` described."""
        if config.get("kind") != CONFIG_KIND or config.get("version") != CONFIG_VERSION:
            raise ValueError("This is not a LayerLab model description of a version this build reads.")
        return cls(int(config["n_inputs"]), list(config["hidden"]), int(config["n_outputs"]),
                   str(config["output"]))

    def __repr__(self) -> str:
        parts = [str(self.n_inputs), *(repr(layer) for layer in self.layers), self.output]
        return f"Network({' → '.join(parts)}; {self.n_parameters:,} parameters)"


def build_mlp(
    n_inputs: int,
    hidden: list[dict[str, Any]],
    n_outputs: int,
    output: str = "linear",
    seed: int = 0,
) -> Network:
    """A network of ``hidden`` layers, each a dict ``{"units": 64, "activation": "relu",
    "dropout": 0.0, "batchnorm": False}`` (all but "units" optional; "initializer"
    defaults to He for the ReLU family, Glorot otherwise), then ``n_outputs``
    units and the output activation ("sigmoid" | "softmax" | "linear").
    The same ``seed`` gives the same initial weights.

    Shapes: predict maps (n, n_inputs) to (n, n_outputs).
    """
    return Network(n_inputs, hidden, n_outputs, output, seed)
