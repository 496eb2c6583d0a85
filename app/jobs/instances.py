"""Which worker pools on this machine are alive: each holds a lock on its own file.

The operating system releases a lock when its process dies, even by `kill -9`, so a
server starting up (or sweeping) knows at once that a pool of a previous server is
gone, without waiting for its leases to run out. Pools on other machines have no file
here: their runs keep the lease rule.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: every pool counts as remote, the lease rule applies
    fcntl = None  # type: ignore[assignment]

_INSTANCE_ID = re.compile(r"[0-9a-f]{8,32}")


def instances_dir(data_dir: Path) -> Path:
    return data_dir / "instances"


def _lock_path(directory: Path, instance_id: str) -> Path:
    return directory / f"{instance_id}.lock"


class InstanceLock:
    """Held by the server process for as long as its pool runs."""

    def __init__(self, directory: Path, instance_id: str) -> None:
        self._path = _lock_path(directory, instance_id)
        self._fd: int | None = None

    def acquire(self) -> None:
        if fcntl is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited by workers
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            self._path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


def local_instance_alive(directory: Path, instance_id: str) -> bool | None:
    """True if the pool runs, False if it died (its file is then removed), None if not ours to tell."""
    if fcntl is None or not _INSTANCE_ID.fullmatch(instance_id):
        return None
    path = _lock_path(directory, instance_id)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        path.unlink(missing_ok=True)
        return False
    finally:
        os.close(fd)
