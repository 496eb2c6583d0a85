"""Arrow's allocator in LayerLab's processes: jemalloc handing freed pages back at once,
unless the operator chose a pool with ARROW_DEFAULT_MEMORY_POOL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SHOW_POOL = "import app.data, pyarrow; print(pyarrow.default_memory_pool().backend_name)"


def _pool_of_a_fresh_process(**environment: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "ARROW_DEFAULT_MEMORY_POOL"} | environment
    done = subprocess.run([sys.executable, "-c", SHOW_POOL], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_process_that_reads_tables_allocates_arrow_memory_with_jemalloc() -> None:
    assert _pool_of_a_fresh_process() == "jemalloc"


@pytest.mark.parametrize("chosen", ["system", "mimalloc"])
def test_the_operators_choice_of_pool_wins(chosen: str) -> None:
    assert _pool_of_a_fresh_process(ARROW_DEFAULT_MEMORY_POOL=chosen) == chosen
