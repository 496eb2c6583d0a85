"""The digest taken while bytes arrive is the digest of all of them, in order."""

from __future__ import annotations

import hashlib
import os

from app.data.digests import StreamingSha256


def test_fed_chunks_hash_as_one_buffer() -> None:
    data = os.urandom(3_000_000)
    digest = StreamingSha256()
    for start in range(0, len(data), 65_536):
        digest.feed(memoryview(data)[start : start + 65_536])
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()


def test_more_chunks_than_may_wait_do_not_block_for_good() -> None:
    digest = StreamingSha256()
    for _ in range(2_000):  # far more than the bounded queue holds: feed waits, then goes on
        digest.feed(b"x" * 100)
    assert digest.hexdigest() == hashlib.sha256(b"x" * 200_000).hexdigest()


def test_closing_part_way_stops_the_thread() -> None:
    digest = StreamingSha256()
    digest.feed(b"partial")
    digest.close()
    digest.close()  # twice is harmless (an upload that fails after closing)
    assert not digest._thread.is_alive()
