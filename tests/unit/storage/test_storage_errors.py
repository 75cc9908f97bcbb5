"""Driver errors become domain errors at the storage boundary."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from simbiot.domain.errors import Conflict, StorageError
from simbiot.storage.errors import translated


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (IntegrityError("INSERT", {}, Exception("duplicate key")), Conflict),
        (OperationalError("SELECT", {}, Exception("server closed")), StorageError),
        (InterfaceError("SELECT", {}, Exception("connection is closed")), StorageError),
        (PoolTimeout("QueuePool limit reached"), StorageError),
        (ConnectionRefusedError(111, "refused"), StorageError),
    ],
)
async def test_translated(raised: Exception, expected: type[Exception]) -> None:
    with pytest.raises(expected) as info:
        async with translated("do thing"):
            raise raised
    assert "do thing" in str(info.value)
    assert info.value.__cause__ is raised


async def test_other_errors_pass_through() -> None:
    with pytest.raises(KeyError):
        async with translated("do thing"):
            raise KeyError("bug")
