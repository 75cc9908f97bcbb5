"""Row ranges for worker threads: cover every row once, aligned, errors surface."""

from __future__ import annotations

import threading

import pytest

from simbiot.analysis.indicators._parallel import row_parts, run_parts


@pytest.mark.parametrize(
    ("n", "workers", "align"),
    [(0, 2, 8), (1, 2, 8), (7, 3, 1), (17, 2, 8), (2000, 2, 8), (5, 9, 1)],
)
def test_parts_cover_every_row_once_with_aligned_starts(n: int, workers: int, align: int) -> None:
    parts = row_parts(n, workers, align)
    assert len(parts) <= workers
    assert [r for a, b in parts for r in range(a, b)] == list(range(n))
    assert all(b > a and a % align == 0 for a, b in parts)


def test_parts_are_balanced() -> None:
    assert row_parts(2000, 2, 8) == [(0, 1000), (1000, 2000)]
    assert row_parts(10, 3) == [(0, 3), (3, 6), (6, 10)]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        row_parts(10, 0)
    with pytest.raises(ValueError):
        row_parts(10, 2, 0)


def test_every_part_runs_once_and_on_several_threads() -> None:
    seen: list[tuple[int, int, int]] = []
    lock = threading.Lock()

    def fn(a: int, b: int) -> None:
        with lock:
            seen.append((a, b, threading.get_ident()))

    run_parts(fn, [(0, 1), (1, 2), (2, 3)])
    assert sorted((a, b) for a, b, _ in seen) == [(0, 1), (1, 2), (2, 3)]
    assert len({t for _, _, t in seen}) > 1
    run_parts(fn, [])


@pytest.mark.parametrize("failing", [0, 2])
def test_an_error_in_any_part_is_raised_after_all_parts_ran(failing: int) -> None:
    done: list[int] = []

    def fn(a: int, b: int) -> None:
        if a == failing:
            raise RuntimeError(f"part {a}")
        done.append(a)

    with pytest.raises(RuntimeError, match=f"part {failing}"):
        run_parts(fn, [(0, 1), (1, 2), (2, 3)])
    assert sorted(done) == sorted({0, 1, 2} - {failing})
