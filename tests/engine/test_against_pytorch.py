"""One reference, micrograd-style: the same network, data and Adam steps as PyTorch
give the same weights. Skipped where PyTorch (a benchmark-only tool) is absent."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import Network
from app.engine.losses import LOSSES
from app.engine.optimizers import Adam

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(("loss", "outputs"), [("categorical_crossentropy", 3),
                                               ("binary_crossentropy", 1), ("huber", 2)])
def test_adam_training_steps_match_pytorch(loss: str, outputs: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 4))
    if loss == "categorical_crossentropy":
        y = rng.integers(0, outputs, 16)
        torch_loss, output = torch.nn.CrossEntropyLoss(), "softmax"
    elif loss == "binary_crossentropy":
        y = rng.integers(0, 2, (16, 1)).astype(np.float64)
        torch_loss, output = torch.nn.BCEWithLogitsLoss(), "sigmoid"
    else:
        y = 2.0 * rng.standard_normal((16, outputs))
        torch_loss, output = torch.nn.HuberLoss(delta=1.0), "linear"
    net = Network(4, [{"units": 8, "activation": "tanh"}, {"units": 6, "activation": "relu"}],
                  outputs, output, seed=1, dtype=np.float64)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 6),
                                torch.nn.ReLU(), torch.nn.Linear(6, outputs)).double()
    with torch.no_grad():
        for i, linear in enumerate(model[::2]):
            name = "output" if i == 2 else f"hidden{i}"
            linear.weight.copy_(torch.from_numpy(net.arrays[f"{name}.dense.weight"].T))
            linear.bias.copy_(torch.from_numpy(net.arrays[f"{name}.dense.bias"]))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    ours = Adam(net.n_parameters, net.dtype, 0.01)
    for _ in range(5):
        batch_loss, delta = LOSSES[loss](net.forward(X, training=True), y, None)
        net.backward(delta)
        ours.step(net.params, net.grads)
        optimizer.zero_grad()
        reference = torch_loss(model(torch.from_numpy(X)), torch.from_numpy(y))
        reference.backward()
        optimizer.step()
        assert batch_loss == pytest.approx(reference.item(), rel=1e-10)
    np.testing.assert_allclose(net.arrays["hidden0.dense.weight"], model[0].weight.detach().numpy().T,
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(net.predict(X) if output == "linear" else net.forward(X),
                               model(torch.from_numpy(X)).detach().numpy(), rtol=1e-9, atol=1e-12)
