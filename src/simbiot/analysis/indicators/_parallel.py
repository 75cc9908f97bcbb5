"""Row ranges run on worker threads: the compiled kernels release the GIL.

Every kernel treats its rows independently, so a frame split into contiguous row ranges
gives the same values on any number of threads. Threads are started for one call and
joined before it returns; the calling thread runs the first range itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["row_parts", "run_parts"]


def row_parts(n_rows: int, workers: int, align: int = 1) -> list[tuple[int, int]]:
    """Split ``n_rows`` rows into at most ``workers`` contiguous ranges of similar size.

    Range starts are multiples of ``align`` (so kernels that walk rows in blocks keep
    whole blocks); no range is empty. Raise ValueError when ``workers`` or ``align`` < 1.
    """
    if workers < 1 or align < 1:
        raise ValueError(f"need workers >= 1 and align >= 1, got {workers}, {align}")
    blocks = -(-n_rows // align)
    parts = max(1, min(workers, blocks))
    bounds = [min(n_rows, (blocks * k // parts) * align) for k in range(parts + 1)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def run_parts(fn: Callable[[int, int], None], parts: list[tuple[int, int]]) -> None:
    """Call ``fn(first, stop)`` for every range, one thread per range after the first.

    An exception raised for any range is raised here once every range has finished.
    """
    if len(parts) <= 1:
        for first, stop in parts:
            fn(first, stop)
        return
    with ThreadPoolExecutor(max_workers=len(parts) - 1) as pool:
        futures = [pool.submit(fn, first, stop) for first, stop in parts[1:]]
        try:
            fn(*parts[0])
        finally:
            errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error
