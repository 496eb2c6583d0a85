"""LayerLab's training engine: a float32 multilayer perceptron in NumPy alone.

The whole public surface::

    net = build_mlp(n_inputs, hidden=[{"units": 64, "activation": "relu",
                                       "dropout": 0.0, "batchnorm": False}],
                    n_outputs=1, output="sigmoid", seed=0)
    result = fit(net, X_train, y_train, X_val, y_val, loss="binary_crossentropy",
                 config=TrainingConfig(epochs=50), on_epoch=print, should_stop=lambda: False)
    result.history                                # [EpochReport(epoch, train_loss, val_loss,
                                                  #   train_metric, val_metric, seconds)]
    result.stop_reason, result.message            # "completed" | "early_stopping" |
                                                  #   "cancelled" | "diverged", a sentence
    result.best_epoch                             # lowest validation loss (0 = none yet)
    probabilities = net.predict(X)                # (n, n_outputs) float32
    config, weights = save_model(net)             # JSON-able dict, .npz bytes
    same_net = load_model(config, weights)        # or save_model_dir / load_model_dir(path)

Shapes: X is (n_samples, n_inputs). Targets y are, by loss:
``binary_crossentropy`` (n, 1) float 0/1; ``categorical_crossentropy`` (n,) integer
class indices; ``mse`` / ``mae`` / ``huber`` (n, n_outputs) float (or (n,) for one output).
"""

from app.engine.network import Network, build_mlp
from app.engine.serialization import load_model, load_model_dir, save_model, save_model_dir
from app.engine.training import EpochReport, TrainingConfig, TrainingResult, fit

__all__ = [
    "EpochReport",
    "Network",
    "TrainingConfig",
    "TrainingResult",
    "build_mlp",
    "fit",
    "load_model",
    "load_model_dir",
    "save_model",
    "save_model_dir",
]
