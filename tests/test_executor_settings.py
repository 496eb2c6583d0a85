"""The executor settings: `local` by default, `dask` with or without a scheduler address."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_the_local_pool_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAYERLAB_EXECUTOR", raising=False)
    monkeypatch.delenv("LAYERLAB_DASK_SCHEDULER", raising=False)
    settings = Settings()
    assert settings.executor == "local" and settings.dask_scheduler is None


def test_dask_and_its_scheduler_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAYERLAB_EXECUTOR", "dask")
    monkeypatch.setenv("LAYERLAB_DASK_SCHEDULER", "tcp://scheduler:8786")
    settings = Settings()
    assert settings.executor == "dask" and settings.dask_scheduler == "tcp://scheduler:8786"


def test_an_unknown_executor_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAYERLAB_EXECUTOR", "ray")
    with pytest.raises(ValidationError):
        Settings()
