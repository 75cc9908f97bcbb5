"""Running a backtest job: the candle store's period, the audited run, its reports."""

from __future__ import annotations

from typing import Any

from simbiot.api.jobs.kinds import Progress, plain_json
from simbiot.backtest.report import render_html
from simbiot.config import Settings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.services.backtest_job import load_period, run_backtest_job
from simbiot.signals import StrategyRegistry

__all__ = ["run_backtest"]


def run_backtest(
    settings: Settings, job_id: int, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """Backtest ``params["strategy"]`` as the job asks; return metrics, the JSON report
    (with the trade audit) and the HTML report."""
    venue = params.get("exchange") or settings.exchanges.default
    store = ParquetCandleStore(
        settings.path(settings.data.candle_dir),
        venue,
        params.get("timeframe") or settings.data.timeframe,
    )
    frame = load_period(store, params.get("symbols"), params.get("from_ms"), params.get("to_ms"))
    progress(0.05)
    overrides = {k: params[k] for k in ("fee", "stop_loss") if params.get(k) is not None}
    bt = type(settings.backtest).model_validate({**settings.backtest.model_dump(), **overrides})
    registry = StrategyRegistry.from_directory(settings.signals.rules_dir)
    job = run_backtest_job(
        frame,
        registry,
        params["strategy"],
        params.get("params") or {},
        bt,
        engine=params.get("engine", "fast"),
        progress=lambda _stage, share: progress(0.05 + 0.85 * share),
    )
    report = job.result.to_json()
    report["audit"] = job.audit.to_json()
    report["job_id"] = job_id
    progress(0.92)
    html = render_html(job.result, job.frame)
    clean = plain_json(report)
    return {"metrics": clean["metrics"], "report": clean, "html": html}
