"""Save and load: the architecture as a JSON-able dict, the weights as .npz.

The .npz holds one array per name in ``Network.arrays`` (e.g.
``hidden0.dense.weight``, ``hidden0.batchnorm.running_mean``), so NumPy alone
can read a model; loading never unpickles (``allow_pickle=False``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from app.engine.network import Network

CONFIG_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"


def save_model(net: Network) -> tuple[dict[str, Any], bytes]:
    """The network as (architecture dict, weights as .npz bytes)."""
    buffer = io.BytesIO()
    np.savez(buffer, **net.arrays)
    return net.to_config(), buffer.getvalue()


def load_model(config: dict[str, Any], weights: bytes) -> Network:
    """The network that ``save_model`` described; its predictions are identical."""
    net = Network.from_config(config)
    with np.load(io.BytesIO(weights), allow_pickle=False) as archive:
        missing = set(net.arrays) - set(archive.files)
        if missing:
            raise ValueError(f"The weights file lacks {sorted(missing)[0]!r}; it belongs to another model.")
        for name, target in net.arrays.items():
            array = archive[name]
            if array.shape != target.shape:
                raise ValueError(f"The weights {name!r} have shape {array.shape}, expected {target.shape}.")
            target[...] = array  # the targets are views into the flat vectors
    return net


def save_model_dir(net: Network, directory: str | Path) -> None:
    """Write ``model.json`` and ``weights.npz`` into ``directory`` (created if missing)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config, weights = save_model(net)
    (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    (directory / WEIGHTS_FILE).write_bytes(weights)


def load_model_dir(directory: str | Path) -> Network:
    """Read what ``save_model_dir`` wrote."""
    directory = Path(directory)
    config = json.loads((directory / CONFIG_FILE).read_text())
    return load_model(config, (directory / WEIGHTS_FILE).read_bytes())
