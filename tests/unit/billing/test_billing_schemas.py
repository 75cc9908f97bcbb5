"""Money in billing answers: exact strings, the same whatever the database returned."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from simbiot.api.schemas.billing import BalanceOut, LedgerEntryOut, money_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("29"), "29.00"),
        (Decimal("29.000000000000000000"), "29.00"),
        (Decimal("0"), "0.00"),
        (Decimal("0.1"), "0.10"),
        (Decimal("0.001000000000000000"), "0.001"),
        (Decimal("1E+3"), "1000.00"),
        (Decimal("12345678901234567890.5"), "12345678901234567890.50"),
    ],
)
def test_money_text(value: Decimal, text: str) -> None:
    assert money_text(value) == text


def test_amounts_serialise_as_strings_and_validate_back() -> None:
    entry = LedgerEntryOut(
        id=1,
        kind="credits.purchase",
        amount=Decimal("15.000000000000000000"),
        currency="USD",
        credits=150,
        reference="payment:1",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    doc = entry.model_dump(mode="json")
    assert doc["amount"] == "15.00"
    assert LedgerEntryOut.model_validate(doc).amount == Decimal("15")
    assert entry.amount == Decimal("15")  # Python access keeps the Decimal
    assert BalanceOut(credits=3).model_dump(mode="json") == {"credits": 3}
