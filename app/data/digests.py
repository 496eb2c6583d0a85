"""A file's SHA-256 taken while its bytes arrive, on a thread of its own.

hashlib releases the GIL on large buffers, so an upload is hashed while it is still being
received instead of being read back from disk afterwards; the bytes held waiting are bounded.
"""

from __future__ import annotations

import hashlib
import queue
import threading

_WAITING_CHUNKS = 256  # at most this many received chunks wait for the hash (about 16 MB)


class StreamingSha256:
    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._chunks: queue.Queue[bytes | memoryview | None] = queue.Queue(maxsize=_WAITING_CHUNKS)
        self._thread = threading.Thread(target=self._hash, name="upload-sha256", daemon=True)
        self._thread.start()

    def feed(self, data: bytes | memoryview) -> None:
        """`data` must not change afterwards (a bytes object, or a view of one)."""
        self._chunks.put(data)

    def hexdigest(self) -> str:
        """The digest of everything fed; waits for the hashing to catch up."""
        self.close()
        return self._digest.hexdigest()

    def close(self) -> None:
        """Stop hashing (also when the upload fails part-way)."""
        if self._thread.is_alive():
            self._chunks.put(None)
            self._thread.join()

    def _hash(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            self._digest.update(chunk)
