"""Which allocator Arrow's buffers come from, set once per process.

Arrow's default, mimalloc, made a fresh process's first CSV read of the 1,000,000-row bench file
about 0.3 s slower and kept its freed memory: the upload's peak was pandas' own. jemalloc
told to hand freed pages back at once (decay 0 ms) read the same file faster with about 70 MB
less peak memory (`.venv/bin/python -m bench ingest`). An operator's ARROW_DEFAULT_MEMORY_POOL
wins; where the wheel has no jemalloc, Arrow's default stays.
"""

from __future__ import annotations

import os

import pyarrow as pa

ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


def use_returning_allocator() -> None:
    """Make jemalloc, returning freed pages at once, Arrow's pool."""
    if os.environ.get(ARROW_POOL_VARIABLE):
        return
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # a build without jemalloc
        return
    pa.jemalloc_set_decay_ms(0)
    pa.set_memory_pool(pool)
