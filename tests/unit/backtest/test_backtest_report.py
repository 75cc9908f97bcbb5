"""Reports: monthly returns arithmetic, self-contained HTML, PNG summary and JSON files."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from backtest_frames import make_market

from simbiot.backtest.report import (
    monthly_returns,
    render_html,
    write_html,
    write_json,
    write_png_summary,
)
from simbiot.backtest.result import BacktestResult
from simbiot.backtest.runner import run_backtest
from simbiot.backtest.settings import BacktestSettings
from simbiot.domain.frame import MarketFrame
from simbiot.signals.builtin import TrendEmaAdx

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run() -> tuple[BacktestResult, MarketFrame]:
    frame = make_market(3, 24 * 70, 5)
    res = run_backtest(
        frame,
        TrendEmaAdx(),
        {"fast": 5, "slow": 20, "adx_min": 0.0},
        BacktestSettings(stop_loss=0.05),
    )
    return res, frame


def test_monthly_returns_arithmetic() -> None:
    day = 86_400_000
    jan1 = 1_704_067_200_000  # 2024-01-01
    ts = np.array(
        [jan1, jan1 + 10 * day, jan1 + 40 * day, jan1 + 45 * day, jan1 + 70 * day], dtype=np.int64
    )
    eq = np.array([100.0, 110.0, 99.0, 121.0, 133.1])
    table = monthly_returns(ts, eq)
    assert table == {2024: {1: pytest.approx(0.1), 2: pytest.approx(0.1), 3: pytest.approx(0.1)}}
    assert monthly_returns(np.array([], np.int64), np.array([])) == {}


def test_html_is_self_contained(run: tuple[BacktestResult, MarketFrame], tmp_path: Path) -> None:
    res, frame = run
    path = write_html(res, tmp_path / "out" / "report.html", frame)
    text = path.read_text()
    assert "<script" not in text
    assert not re.search(r"src='(?!data:)", text)
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert len(images) == 2
    assert all(base64.b64decode(i).startswith(PNG) for i in images)
    for part in ("Monthly returns", "Per symbol", "total_return", "2024", "Feb"):
        assert part in text
    for sym in frame.symbols:
        assert sym in text  # per-symbol table
    chosen = render_html(res, frame, symbol=frame.symbols[2])
    assert chosen.count("data:image/png") == 2
    assert "No price chart" in render_html(res, frame, symbol="NOPE/USDT")


def test_html_without_frame_says_so(run: tuple[BacktestResult, MarketFrame]) -> None:
    res, _ = run
    text = render_html(res)
    assert "No price chart" in text
    assert text.count("data:image/png") == 1


def test_png_and_json(run: tuple[BacktestResult, MarketFrame], tmp_path: Path) -> None:
    res, _ = run
    png = write_png_summary(res, tmp_path / "summary.png")
    assert png.read_bytes().startswith(PNG)
    assert png.stat().st_size > 10_000
    doc = json.loads(write_json(res, tmp_path / "r.json").read_text())
    assert doc["metrics"]["trades"] == len(res.trades)
    assert len(doc["trades"]) == len(res.trades)
