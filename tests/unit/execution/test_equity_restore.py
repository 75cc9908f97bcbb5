"""Peak and day-start equity restored from recorded history."""

from __future__ import annotations

from decimal import Decimal

from simbiot.domain.clock import SimulatedClock
from simbiot.execution.equity import DAY_MS, EquityMarks


def test_restored_peak_and_day_start_feed_the_next_mark() -> None:
    clock = SimulatedClock(10 * DAY_MS + 3_600_000)
    marks = EquityMarks(clock)
    assert not marks.known(1, "paper:1")
    marks.restore(1, "paper:1", peak=Decimal(12_000), day_start=Decimal(11_000))
    assert marks.known(1, "paper:1")
    assert marks.mark(1, "paper:1", Decimal(10_000)) == (Decimal(12_000), Decimal(11_000))
    # A new high replaces the restored peak.
    assert marks.mark(1, "paper:1", Decimal(13_000))[0] == Decimal(13_000)


def test_history_never_overrides_what_this_process_saw() -> None:
    clock = SimulatedClock(DAY_MS)
    marks = EquityMarks(clock)
    marks.mark(1, "a", Decimal(500))
    marks.restore(1, "a", peak=Decimal(400), day_start=Decimal(900))
    assert marks.mark(1, "a", Decimal(450)) == (Decimal(500), Decimal(500))


def test_without_history_the_first_mark_starts_everything() -> None:
    clock = SimulatedClock(DAY_MS)
    marks = EquityMarks(clock)
    marks.restore(2, "b", peak=None, day_start=None)
    assert not marks.known(2, "b")
    assert marks.mark(2, "b", Decimal(100)) == (Decimal(100), Decimal(100))


def test_a_new_day_restarts_the_day_start() -> None:
    clock = SimulatedClock(DAY_MS)
    marks = EquityMarks(clock)
    marks.restore(3, "c", peak=Decimal(100), day_start=Decimal(90))
    clock.advance(DAY_MS / 1000)
    assert marks.mark(3, "c", Decimal(80)) == (Decimal(100), Decimal(80))
