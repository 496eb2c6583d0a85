"""Save and load: the architecture as a JSON-able dict, the weights as .npz (no pickle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.engine.network import Network


def save_model(net: Network) -> tuple[dict[str, Any], bytes]:
    """The network as (architecture dict, weights as .npz bytes)."""
    raise NotImplementedError


def load_model(config: dict[str, Any], weights: bytes) -> Network:
    """The network that ``save_model`` described; predictions are identical."""
    raise NotImplementedError


def save_model_dir(net: Network, directory: str | Path) -> None:
    """Write ``model.json`` and ``weights.npz`` into ``directory`` (created if missing)."""
    raise NotImplementedError


def load_model_dir(directory: str | Path) -> Network:
    """Read what ``save_model_dir`` wrote."""
    raise NotImplementedError
