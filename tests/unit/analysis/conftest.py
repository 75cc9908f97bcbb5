"""Fixtures shared by the analysis tests."""

from __future__ import annotations

import pytest

from simbiot.analysis.indicators import _parallel


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split even the small frames of the tests into ranges for the worker threads."""
    monkeypatch.setattr(_parallel, "MIN_PART_VALUES", 1)
