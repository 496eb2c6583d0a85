"""A worker plugin that hides a directory from Dask workers: any open of a path under it
fails there and is recorded, so a test can say a task never read the server's data."""

from __future__ import annotations

import os
import sys
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class HideDirectory(WorkerPlugin):
    name = "layerlab-hide-directory"

    def __init__(self, hidden: str, cwd: str) -> None:
        self.hidden = os.path.realpath(hidden)
        self.cwd = cwd

    def setup(self, worker: Any) -> None:
        hidden = self.hidden + os.sep
        attempts: list[str] = []
        worker.layerlab_hidden_attempts = attempts  # what `attempts` reads back
        os.chdir(self.cwd)  # the worker does not even start where the server runs

        def refuse(event: str, args: tuple[Any, ...]) -> None:
            if event == "open" and args and isinstance(args[0], str | bytes | os.PathLike):
                path = os.path.realpath(os.fsdecode(args[0]))
                if (path + os.sep).startswith(hidden):
                    attempts.append(path)
                    raise PermissionError(f"hidden from the workers: {path}")

        sys.addaudithook(refuse)


def attempts(dask_worker: Any) -> list[str]:
    """Run with `client.run`: the hidden paths tasks tried to open on this worker."""
    return list(getattr(dask_worker, "layerlab_hidden_attempts", []))
