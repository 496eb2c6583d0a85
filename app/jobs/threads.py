"""One BLAS thread per training process, set before NumPy is first imported.

DESIGN.md: two-thread BLAS beside another busy process made an epoch about 3×
slower, while one thread per job was unaffected; the pool has one worker per core.
"""

from __future__ import annotations

import os

BLAS_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def single_thread_environment() -> dict[str, str]:
    return {name: "1" for name in BLAS_THREAD_VARIABLES}


def limit_blas_threads() -> None:
    """Pin BLAS to one thread in this process, whether or not NumPy is loaded yet."""
    os.environ.update(single_thread_environment())
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
