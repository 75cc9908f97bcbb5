"""Row ranges run on worker threads: the compiled kernels release the GIL.

Every kernel treats its rows independently, so a frame split into contiguous row ranges
gives the same values on any number of threads. The rows are cut into a few more ranges
than threads and each thread takes the next range when it is done with one: on a machine
shared with other processes, a thread that loses its core leaves its remaining ranges to
the others instead of holding up the result. Threads are started for one call and joined
before it returns; the calling thread works too.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["CHUNKS_PER_WORKER", "MIN_PART_VALUES", "row_parts", "run_parts", "run_rows"]

# ranges per thread: small enough to even out a descheduled thread, large enough that
# a range keeps its kernels' per-call set-up negligible
CHUNKS_PER_WORKER = 4
# the fewest values worth a range of their own
MIN_PART_VALUES = 65_536


def row_parts(n_rows: int, parts: int, align: int = 1) -> list[tuple[int, int]]:
    """Split ``n_rows`` rows into at most ``parts`` contiguous ranges of similar size.

    Range starts are multiples of ``align`` (so kernels that walk rows in blocks keep
    whole blocks); no range is empty. Raise ValueError when ``parts`` or ``align`` < 1.
    """
    if parts < 1 or align < 1:
        raise ValueError(f"need parts >= 1 and align >= 1, got {parts}, {align}")
    blocks = -(-n_rows // align)
    count = max(1, min(parts, blocks))
    bounds = [min(n_rows, (blocks * k // count) * align) for k in range(count + 1)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def run_parts(
    fn: Callable[[int, int], None], parts: list[tuple[int, int]], workers: int | None = None
) -> None:
    """Call ``fn(first, stop)`` once for every range, on ``workers`` threads (default: one
    per range) that each take the next range when done.

    An exception raised for any range is raised here once every range has been run.
    """
    threads = len(parts) if workers is None else min(workers, len(parts))
    if threads <= 1:
        for first, stop in parts:
            fn(first, stop)
        return
    pending = iter(parts)
    lock = threading.Lock()

    def drain() -> None:
        error: BaseException | None = None
        while True:
            with lock:
                part = next(pending, None)
            if part is None:
                break
            try:
                fn(*part)
            except BaseException as exc:  # re-raised below, after the other ranges ran
                error = error or exc
        if error is not None:
            raise error

    with ThreadPoolExecutor(max_workers=threads - 1) as pool:
        futures = [pool.submit(drain) for _ in range(threads - 1)]
        try:
            drain()
        finally:
            errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error


def run_rows(
    fn: Callable[[int, int], None],
    n_rows: int,
    workers: int,
    align: int = 1,
    *,
    row_values: int = 1,
) -> None:
    """Run ``fn(first, stop)`` over ``n_rows`` rows on ``workers`` threads (see the module).

    A range gets at least ``MIN_PART_VALUES`` values (``row_values`` per row): below
    that, starting a thread costs more than it saves, and a small frame runs in one call
    (as it does when ``workers`` is 1). Raise ValueError when ``workers`` < 1.
    """
    if workers < 1:
        raise ValueError(f"need workers >= 1, got {workers}")
    by_size = n_rows * max(row_values, 1) // MIN_PART_VALUES
    parts = max(1, min(workers * CHUNKS_PER_WORKER, by_size)) if workers > 1 else 1
    run_parts(fn, row_parts(n_rows, parts, align), workers)
