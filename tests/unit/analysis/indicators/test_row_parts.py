"""Row ranges for worker threads: cover every row once, aligned, shared out, errors surface."""

from __future__ import annotations

import threading

import pytest

from simbiot.analysis.indicators._parallel import (
    CHUNKS_PER_WORKER,
    MIN_PART_VALUES,
    row_parts,
    run_parts,
    run_rows,
)


@pytest.mark.parametrize(
    ("n", "parts", "align"), [(0, 2, 8), (1, 2, 8), (7, 3, 1), (17, 2, 8), (2000, 8, 8), (5, 9, 1)]
)
def test_parts_cover_every_row_once_with_aligned_starts(n: int, parts: int, align: int) -> None:
    got = row_parts(n, parts, align)
    assert len(got) <= parts
    assert [r for a, b in got for r in range(a, b)] == list(range(n))
    assert all(b > a and a % align == 0 for a, b in got)


def test_parts_are_balanced() -> None:
    assert row_parts(2000, 2, 8) == [(0, 1000), (1000, 2000)]
    assert row_parts(10, 3) == [(0, 3), (3, 6), (6, 10)]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        row_parts(10, 0)
    with pytest.raises(ValueError):
        row_parts(10, 2, 0)
    with pytest.raises(ValueError, match="workers"):
        run_rows(lambda a, b: None, 10, 0)


def test_parts_run_concurrently_once_each() -> None:
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()
    # the first two ranges wait for each other: only two threads at once get past it
    meet = threading.Barrier(2, timeout=10)

    def fn(a: int, b: int) -> None:
        if a < 2:
            meet.wait()
        with lock:
            seen.append((a, b))

    run_parts(fn, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)], workers=2)
    assert sorted(seen) == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]
    run_parts(fn, [])


def test_a_thread_that_stalls_leaves_its_ranges_to_the_others() -> None:
    done: dict[int, str] = {}
    stalled = threading.Event()

    def fn(a: int, b: int) -> None:
        if a == 0:  # the first range holds its thread until every other range is done
            stalled.wait(timeout=10)
        done[a] = threading.current_thread().name
        if len(done) == 7:
            stalled.set()

    run_parts(fn, [(k, k + 1) for k in range(8)], workers=2)
    assert sorted(done) == list(range(8))
    others = {name for a, name in done.items() if a != 0}
    assert len(others) == 1  # one thread ran the seven other ranges


def test_rows_are_cut_into_several_ranges_per_worker() -> None:
    calls: list[tuple[int, int]] = []
    lock = threading.Lock()

    def fn(a: int, b: int) -> None:
        with lock:
            calls.append((a, b))

    run_rows(fn, 2000, 2, 8, row_values=500)
    assert len(calls) == 2 * CHUNKS_PER_WORKER
    assert sorted(r for a, b in calls for r in range(a, b)) == list(range(2000))
    calls.clear()
    run_rows(fn, 2000, 1, row_values=500)
    assert calls == [(0, 2000)]


def test_small_frames_run_in_one_call() -> None:
    calls: list[tuple[int, int]] = []
    run_rows(lambda a, b: calls.append((a, b)), 136, 2, 8, row_values=200)
    assert calls == [(0, 136)]
    calls.clear()
    rows = 3 * MIN_PART_VALUES // 500 + 1
    run_rows(lambda a, b: calls.append((a, b)), rows, 2, 8, row_values=500)
    assert len(calls) == 3  # as many ranges as the values fill


@pytest.mark.parametrize("failing", [0, 2])
def test_an_error_in_any_part_is_raised_after_all_parts_ran(failing: int) -> None:
    done: list[int] = []
    lock = threading.Lock()

    def fn(a: int, b: int) -> None:
        if a == failing:
            raise RuntimeError(f"part {a}")
        with lock:
            done.append(a)

    with pytest.raises(RuntimeError, match=f"part {failing}"):
        run_parts(fn, [(0, 1), (1, 2), (2, 3), (3, 4)], workers=2)
    assert sorted(done) == sorted({0, 1, 2, 3} - {failing})
    with pytest.raises(RuntimeError, match=f"part {failing}"):
        run_parts(fn, [(0, 1), (1, 2), (2, 3)], workers=1)
