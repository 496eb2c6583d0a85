"""Default topology and training settings proposed for a dataset, from its size.

Measured by `python -m bench defaults` against scikit-learn's MLP of the same
size on its bundled datasets. The reasoning, small to large:
- width grows with the encoded input width (about twice it, 32 to 256 units);
  a second, narrower layer only once there are thousands of training rows;
- small data gets small batches and a higher learning rate, so that an epoch
  still takes a useful number of steps; the epoch budget is sized to give
  roughly the same number of optimizer steps whatever the row count, and early
  stopping on the validation loss ends training well before it on most data;
- regularization against the overconfidence that ends training too early on
  small data: with an L2 weight decay of 0.01 and dropout 0.2 the validation loss
  keeps improving while the decision boundary settles (measured: iris 0.94 -> 0.98,
  breast_cancer 0.962 -> 0.965, diabetes R² 0.49 -> 0.51 over 5 seeds); larger
  data needs less of both.
"""

from __future__ import annotations

import math

from app.specs import LayerSpec, TrainingSpec

TARGET_STEPS = 6_000  # optimizer steps the epoch budget aims at
MIN_EPOCHS, MAX_EPOCHS = 100, 1_000


def _power_of_two(value: float) -> int:
    return 2 ** max(0, round(math.log2(max(value, 1))))


def propose_layers(task: str, n_rows: int, n_inputs: int, n_classes: int = 2) -> list[LayerSpec]:
    """Hidden layers for `n_rows` training rows of `n_inputs` encoded columns."""
    width = min(256, max(32, _power_of_two(2 * max(n_inputs, n_classes))))
    dropout = 0.2 if n_rows < 5_000 else 0.1
    layers = [LayerSpec(units=width, activation="relu", dropout=dropout)]
    if n_rows >= 2_000:
        layers.append(LayerSpec(units=max(16, width // 2), activation="relu", dropout=dropout))
    return layers


def propose_training(task: str, n_rows: int, seed: int = 0) -> TrainingSpec:
    """Optimizer settings for `n_rows` training rows."""
    batch_size = 16 if n_rows < 500 else 32 if n_rows < 5_000 else 64 if n_rows < 50_000 else 256
    learning_rate = 0.003 if n_rows < 5_000 else 0.001
    steps_per_epoch = math.ceil(n_rows / batch_size)
    epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(TARGET_STEPS / steps_per_epoch)))
    return TrainingSpec(
        optimizer="adam",
        learning_rate=learning_rate,
        batch_size=batch_size,
        epochs=epochs,
        early_stopping_patience=20 if n_rows < 5_000 else 10,
        weight_decay=0.01 if n_rows < 5_000 else 0.0001,
        seed=seed,
    )
