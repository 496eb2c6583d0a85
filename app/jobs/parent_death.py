"""A worker dies with the server that started it, and stops when the server asks.

On Linux the kernel sends the worker SIGKILL when its parent dies (`PR_SET_PDEATHSIG`);
everywhere, a watcher thread notices that the parent changed, or that the server wrote
to (or closed) the worker's stop pipe. A pipe, unlike a shared multiprocessing Event,
has no lock that a worker killed at the wrong moment could leave held.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from multiprocessing.connection import Connection

PR_SET_PDEATHSIG = 1
PARENT_CHECK_SECONDS = 1.0


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (Linux only; a no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def watch_parent(parent_pid: int, stop_pipe: Connection) -> threading.Event:
    """An event set once the server asks to stop or is gone (checked every second)."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if stop_pipe.poll(PARENT_CHECK_SECONDS) or os.getppid() != parent_pid:
                stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    return stop
