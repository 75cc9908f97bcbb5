"""Signal prioritisation when a user's slots or capital are short (S5).

Entries are ranked by strength, then expected value, then X-ray score (unknown values
rank last), and ties are broken by (symbol, config id), so the same signals always give
the same choice. Exits never compete: they free slots rather than take them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from simbiot.signals.model import Signal

__all__ = ["Allocation", "Selection", "rank", "select"]

_QUANTUM = Decimal("0.00000001")


def _key(s: Signal) -> tuple[float, float, float, str, str]:
    ev = s.expected_value if s.expected_value is not None else float("-inf")
    xs = s.xray_score if s.xray_score is not None else float("-inf")
    return (-s.strength, -ev, -xs, s.symbol, s.config_id)


def rank(signals: Iterable[Signal]) -> list[Signal]:
    """Return the signals best first (strength, expected value, X-ray score, then names)."""
    return sorted(signals, key=_key)


@dataclass(frozen=True, slots=True)
class Allocation:
    """An entry chosen for a user, with the capital set aside for it."""

    signal: Signal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Selection:
    """What a user acts on: exits, funded entries, and entries left out (with why)."""

    exits: tuple[Signal, ...]
    entries: tuple[Allocation, ...]
    skipped: tuple[tuple[Signal, str], ...]


def select(
    signals: Sequence[Signal],
    free_slots: int,
    capital: Decimal,
    min_order: Decimal,
    *,
    held: Collection[str] = (),
) -> Selection:
    """Choose the entries a user can fund: at most ``free_slots``, each at least ``min_order``.

    Capital is split evenly among the chosen entries (rounded down to 1e-8). A symbol
    already ``held`` or already chosen from another configuration is skipped.
    """
    if free_slots < 0:
        raise ValueError(f"free_slots must be >= 0, got {free_slots}")
    if capital < 0 or min_order < 0:
        raise ValueError("capital and min_order must be >= 0")
    exits = tuple(rank(s for s in signals if not s.side.is_entry))
    by_money = int(capital // min_order) if min_order > 0 else free_slots
    room = max(0, min(free_slots, by_money))
    chosen: list[Signal] = []
    skipped: list[tuple[Signal, str]] = []
    taken: set[str] = set(held)
    for s in rank(s for s in signals if s.side.is_entry):
        if s.symbol in taken:
            skipped.append((s, "already held" if s.symbol in held else "same symbol ranked higher"))
        elif len(chosen) >= room:
            skipped.append((s, "no free slot" if room == free_slots else "not enough capital"))
        else:
            chosen.append(s)
            taken.add(s.symbol)
    if not chosen:
        return Selection(exits, (), tuple(skipped))
    amount = (capital / len(chosen)).quantize(_QUANTUM, rounding=ROUND_DOWN)
    return Selection(exits, tuple(Allocation(s, amount) for s in chosen), tuple(skipped))
