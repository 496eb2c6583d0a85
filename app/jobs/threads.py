"""BLAS threads per training job: the cores no other job is using, at least one.

Workers start with one BLAS thread (set before NumPy loads). A job that starts
while the machine is idle takes every core; in a full pool each job keeps one.
docs/ARCHITECTURE.md: two-thread BLAS beside another busy process made an epoch about 3×
slower, so the count is taken from the jobs that are busy (the pool's counter,
or the running experiments in the database) and refreshed while a job trains,
so a job that started alone steps down when another one starts beside it.
"""

from __future__ import annotations

import os

from threadpoolctl import ThreadpoolController, threadpool_limits

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
    set_blas_threads(1)


def available_cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def blas_threads_for_job(cores: int, busy_elsewhere: int) -> int:
    """The cores that ``busy_elsewhere`` other jobs leave free, one at least."""
    return max(1, cores - busy_elsewhere)


def set_blas_threads(count: int) -> None:
    threadpool_limits(limits=count, user_api="blas")


def current_blas_threads() -> int:
    """The BLAS thread count of this process (the largest, should several BLAS be loaded)."""
    return max((info["num_threads"] for info in ThreadpoolController().select(user_api="blas").info()), default=1)
