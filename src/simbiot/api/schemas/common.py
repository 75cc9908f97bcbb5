"""Schema bases: requests reject unknown fields and non-finite numbers; pages and errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ErrorDetail", "ErrorOut", "Page", "RequestModel", "ResponseModel", "cut_page"]

T = TypeVar("T")


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=_HasId)


def cut_page(rows: Sequence[R], limit: int) -> tuple[list[R], int | None]:
    """Split a fetch of ``limit + 1`` rows into the page and the cursor of the next one
    (None on the last page)."""
    items = list(rows[:limit])
    return items, (items[-1].id if len(rows) > limit and items else None)


class RequestModel(BaseModel):
    """Base of every request body: unknown fields, NaN and Infinity are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class ResponseModel(BaseModel):
    """Base of every response body; built from rows or domain objects by attribute."""

    model_config = ConfigDict(from_attributes=True)


class Page(ResponseModel, Generic[T]):
    """A page of a list; pass ``next_cursor`` as ``after`` to get the next one."""

    items: list[T]
    next_cursor: int | None = Field(None, description="None when this is the last page")


class ErrorDetail(ResponseModel):
    code: str = Field(description="Machine-readable error code")
    message: str = Field(description="Human-readable explanation")
    details: Any = None


class ErrorOut(ResponseModel):
    """The body of every error answer."""

    error: ErrorDetail
