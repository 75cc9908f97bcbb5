"""Backtest reports: a self-contained HTML page, a PNG summary and the JSON document.

Figures are drawn with matplotlib's Agg canvas on private ``Figure`` objects (no pyplot
state, safe in worker threads) and embedded in the HTML as base64 PNG, so the page is one
file that opens anywhere.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simbiot.backtest.metrics import Metrics, drawdown
from simbiot.backtest.result import BacktestResult
from simbiot.domain.frame import MarketFrame

__all__ = ["monthly_returns", "render_html", "write_html", "write_json", "write_png_summary"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def monthly_returns(
    timestamp: npt.NDArray[np.int64], equity: npt.NDArray[np.float64]
) -> dict[int, dict[int, float]]:
    """Return {year: {month (1-12): return}} from the equity at each month's last bar.

    The first month is measured from the curve's first value, each later month from the
    previous month's last value.
    """
    if len(timestamp) == 0:
        return {}
    months = timestamp.astype("datetime64[ms]").astype("datetime64[M]")
    last = np.flatnonzero(np.append(months[1:] != months[:-1], True))
    ends = equity[last]
    starts = np.concatenate(([equity[0]], ends[:-1]))
    out: dict[int, dict[int, float]] = {}
    for m, s, e in zip(months[last], starts, ends, strict=True):
        year, month = int(str(m)[:4]), int(str(m)[5:7])
        out.setdefault(year, {})[month] = float(e / s - 1.0) if s > 0 else 0.0
    return out


def _dates(ts: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    return ts.astype("datetime64[ms]")


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return buf.getvalue()


def _equity_figure(result: BacktestResult) -> Figure:
    fig = Figure(figsize=(11, 5.5))
    ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    d = _dates(result.timestamp)
    ax1.plot(d, result.equity, color="#1f6feb", lw=1.2)
    ax1.set_ylabel("equity")
    ax1.set_title(
        f"{result.strategy} — {result.exchange} {result.timeframe}, {len(result.symbols)} symbols"
    )
    ax1.grid(alpha=0.3)
    dd = -100.0 * drawdown(result.equity)
    ax2.fill_between(d, dd, 0.0, color="#d73a49", alpha=0.5)
    ax2.set_ylabel("drawdown %")
    ax2.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def _price_figure(result: BacktestResult, frame: MarketFrame, symbol: str) -> Figure:
    row = frame.index(symbol)
    fig = Figure(figsize=(11, 4.5))
    ax = fig.subplots()
    d = _dates(frame.timestamp)
    ax.plot(d, frame.close[row], color="#444", lw=0.8, label="close")
    trades = result.trades_of(symbol)
    if trades:
        ent_t = _dates(np.array([t.entry_time for t in trades], dtype=np.int64))
        ext_t = _dates(np.array([t.exit_time for t in trades], dtype=np.int64))
        ax.scatter(
            ent_t,
            [t.entry_price for t in trades],
            marker="^",
            color="#2da44e",
            s=28,
            label="entry",
            zorder=3,
        )
        colors = ["#2da44e" if t.pnl > 0 else "#d73a49" for t in trades]
        ax.scatter(
            ext_t,
            [t.exit_price for t in trades],
            marker="v",
            color=colors,
            s=28,
            label="exit",
            zorder=3,
        )
    ax.set_title(f"{symbol}: {len(trades)} trades")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        return f"{v:.4g}"
    return html.escape(str(v))


_PCT = {"total_return", "cagr", "max_drawdown", "win_rate", "exposure", "avg_trade_return"}


def _metric_cell(name: str, v: Any) -> str:
    if name in _PCT and isinstance(v, float) and math.isfinite(v):
        return f"{100 * v:.2f} %"
    return _fmt(v)


def _metrics_table(m: Metrics) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{_metric_cell(k, v)}</td></tr>"
        for k, v in m.to_json().items()
    )
    return f"<table class='kv'>{rows}</table>"


def _monthly_table(result: BacktestResult) -> str:
    table = monthly_returns(result.timestamp, result.equity)
    head = "".join(f"<th>{m}</th>" for m in _MONTHS)
    body = []
    for year, months in sorted(table.items()):
        cells = []
        for m in range(1, 13):
            v = months.get(m)
            cls = "" if v is None else (" class='pos'" if v >= 0 else " class='neg'")
            cells.append(f"<td{cls}>{'' if v is None else f'{100 * v:.2f}'}</td>")
        total = float(np.prod([1 + v for v in months.values()]) - 1)
        body.append(f"<tr><th>{year}</th>{''.join(cells)}<td><b>{100 * total:.2f}</b></td></tr>")
    return f"<table class='grid'><tr><th>%</th>{head}<th>Year</th></tr>{''.join(body)}</table>"


def _per_symbol_table(result: BacktestResult, limit: int = 50) -> str:
    ranked = sorted(result.per_symbol.items(), key=lambda kv: kv[1].total_return, reverse=True)
    cols = ("total_return", "max_drawdown", "sharpe", "win_rate", "profit_factor", "trades", "fees")
    head = "".join(f"<th>{c}</th>" for c in cols)
    rows = "".join(
        f"<tr><th>{html.escape(s)}</th>"
        + "".join(f"<td>{_metric_cell(c, getattr(m, c))}</td>" for c in cols)
        + "</tr>"
        for s, m in ranked[:limit]
    )
    return f"<table class='grid'><tr><th>symbol</th>{head}</tr>{rows}</table>"


def _img(fig: Figure) -> str:
    data = base64.b64encode(_png(fig)).decode("ascii")
    return f"<img alt='chart' src='data:image/png;base64,{data}'/>"


_CSS = """body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ddd;padding:3px 8px;
text-align:right;font-size:13px}.kv th{text-align:left}.pos{background:#e6f4ea}
.neg{background:#fde7e9}img{max-width:100%}"""


def render_html(
    result: BacktestResult, frame: MarketFrame | None = None, symbol: str | None = None
) -> str:
    """Return the report as one self-contained HTML page.

    The price chart shows ``symbol`` (default: the symbol with the most trades) and needs
    ``frame``; without a frame the page says so instead.
    """
    title = html.escape(f"Backtest {result.strategy} {result.exchange} {result.timeframe}")
    if symbol is None and result.trades:
        counts: dict[str, int] = {}
        for t in result.trades:
            counts[t.symbol] = counts.get(t.symbol, 0) + 1
        symbol = max(counts, key=lambda s: counts[s])
    if frame is not None and symbol is not None and symbol in frame.symbols:
        price = _img(_price_figure(result, frame, symbol))
    else:
        price = "<p>No price chart: no candle frame or no symbol with trades.</p>"
    params = html.escape(json.dumps(dict(result.params), default=str))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{_CSS}</style></head><body><h1>{title}</h1><p>params: <code>{params}</code></p>"
        f"<h2>Equity and drawdown</h2>{_img(_equity_figure(result))}"
        f"<h2>Metrics (portfolio)</h2>{_metrics_table(result.metrics)}"
        f"<h2>Monthly returns</h2>{_monthly_table(result)}"
        f"<h2>Trades on the price chart</h2>{price}"
        f"<h2>Per symbol</h2>{_per_symbol_table(result)}</body></html>"
    )


def write_html(
    result: BacktestResult,
    path: str | Path,
    frame: MarketFrame | None = None,
    symbol: str | None = None,
) -> Path:
    """Write :func:`render_html` to ``path``; return the path."""
    return _write(
        path, lambda p: p.write_text(render_html(result, frame, symbol), encoding="utf-8")
    )


def write_png_summary(result: BacktestResult, path: str | Path) -> Path:
    """Write a one-image summary: equity, drawdown and the headline metrics."""
    fig = _equity_figure(result)
    m = result.metrics
    text = "   ".join(
        f"{k}: {_metric_cell(k, getattr(m, k))}"
        for k in (
            "total_return",
            "cagr",
            "sharpe",
            "sortino",
            "max_drawdown",
            "win_rate",
            "profit_factor",
            "trades",
        )
    )
    fig.text(0.01, -0.02, text, fontsize=9, family="monospace")
    return _write(path, lambda p: p.write_bytes(_png(fig)))


def write_json(result: BacktestResult, path: str | Path) -> Path:
    """Write :meth:`BacktestResult.to_json` to ``path``."""
    return _write(path, lambda p: p.write_text(json.dumps(result.to_json()), encoding="utf-8"))


def _write(path: str | Path, write: Callable[[Path], Any]) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    write(p)
    return p
