"""float32 stays float32 through a training step: no NumPy float64 scalar or array
upcasts the work anywhere (it would run at half speed and silently change results)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.engine import TrainingConfig, build_mlp, fit, training
from app.engine.activations import ACTIVATIONS
from app.engine.layers import _Buffers
from app.engine.losses import LOSSES, OUTPUT_OF_LOSS
from app.engine.optimizers import OPTIMIZERS

HIDDEN_ACTIVATIONS = sorted(set(ACTIVATIONS) - {"softmax"})


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, _Buffers):
        return list(value._by_size.values())
    return []


def _spy(seen: list[tuple[str, np.dtype]], name: str, function: Any) -> Any:
    def wrapped(*args: Any) -> Any:
        result = function(*args)
        for part in result if isinstance(result, tuple) else (result,):
            if isinstance(part, np.ndarray):
                seen.append((name, part.dtype))
            else:
                seen.append((f"{name} (a {type(part).__name__})", np.dtype(type(part))))
        return result

    return wrapped


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_a_training_step_computes_in_float32_throughout(
    loss: str, optimizer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))  # float64 on purpose: the engine converts once
    n_outputs = 3 if loss == "categorical_crossentropy" else 1
    y = {"categorical_crossentropy": rng.integers(0, 3, 40),
         "binary_crossentropy": rng.integers(0, 2, (40, 1)).astype(np.float64)}.get(loss, rng.standard_normal((40, 1)))
    hidden = [{"units": 5, "activation": name, "batchnorm": i % 2 == 0, "dropout": 0.1 * (i % 3)}
              for i, name in enumerate(HIDDEN_ACTIVATIONS)]
    net = build_mlp(4, hidden, n_outputs, OUTPUT_OF_LOSS[loss])
    seen: list[tuple[str, np.dtype]] = []
    for layer in net.layers:
        layer.forward = _spy(seen, f"{layer!r}.forward", layer.forward)  # type: ignore[method-assign]
        layer.backward = _spy(seen, f"{layer!r}.backward", layer.backward)  # type: ignore[method-assign]
    monkeypatch.setitem(LOSSES, loss, _spy(seen, f"{loss} gradient", LOSSES[loss]))
    optimizers: list[Any] = []
    make = training.make_optimizer
    monkeypatch.setattr(training, "make_optimizer", lambda *a, **k: optimizers.append(make(*a, **k)) or optimizers[-1])
    config = TrainingConfig(optimizer=optimizer, learning_rate=np.float64(0.01), weight_decay=np.float64(0.01),
                            clip_norm=np.float64(1.0), batch_size=16, epochs=1, early_stopping_patience=None)
    fit(net, X, y, X, y, loss=loss, config=config)

    # Losses are Python floats (means), everything else float32.
    upcast = [(name, dtype) for name, dtype in seen if dtype != np.float32 and "(a float)" not in name]
    assert seen and not upcast
    state = [(f"{layer!r}.{key}", array.dtype) for layer in net.layers for key, value in vars(layer).items()
             for array in _arrays(value)]
    state += [(f"optimizer.{key}", value.dtype) for key, value in vars(optimizers[0]).items()
              if isinstance(value, np.ndarray) and value.dtype.kind != "b"]  # a mask is not a number
    state += [("network", net.params.dtype), ("network", net.grads.dtype), ("network", net.state.dtype)]
    assert [(name, dtype) for name, dtype in state if dtype != np.float32] == []
