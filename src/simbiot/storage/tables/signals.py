"""Signals as emitted: one row per (configuration, symbol, side, bar), shared by all users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simbiot.storage.base import Base
from simbiot.storage.clock import utcnow
from simbiot.storage.types import Id

__all__ = ["SignalRow"]


class SignalRow(Base):
    """A strategy configuration's signal on one symbol at one closed bar.

    No user column: a signal belongs to its configuration; who followed it is recorded
    by the orders it led to.
    """

    __tablename__ = "signals"
    __table_args__ = (
        # A re-run cycle over the same bar stores nothing twice.
        UniqueConstraint("config_id", "symbol", "side", "bar_ts"),
        Index("ix_signals_config_id_bar_ts", "config_id", "bar_ts"),
        Index("ix_signals_symbol_bar_ts", "symbol", "bar_ts"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    config_id: Mapped[str] = mapped_column(String(40))
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(16))
    strength: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    expected_value: Mapped[float | None] = mapped_column(Float)
    xray_score: Mapped[float | None] = mapped_column(Float)
    # Open time of the bar, ms since the epoch (the candle clock, not the wall clock).
    bar_ts: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
