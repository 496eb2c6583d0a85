"""Failed sign-ins, counted per username and per address over a sliding window.

In memory, per server process: enough to make guessing passwords slow; a restart forgets.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

WINDOW_SECONDS = 300.0
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20


class LoginLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures[key]
        horizon = self._clock() - WINDOW_SECONDS
        while failures and failures[0] < horizon:
            failures.popleft()
        return failures

    def blocked(self, username: str, address: str) -> bool:
        with self._lock:
            return (
                len(self._recent(f"user:{username.lower()}")) >= MAX_FAILURES_PER_USER
                or len(self._recent(f"address:{address}")) >= MAX_FAILURES_PER_ADDRESS
            )

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            self._recent(f"user:{username.lower()}").append(now)
            self._recent(f"address:{address}").append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.lower()}", None)
