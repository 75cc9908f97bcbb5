"""The X-ray engine (A1-A7): one pure pass over the whole market, timed per stage.

frame → sanitise → universe filter → market state → indicators → features → metrics →
anomalies → detectors → scores → snapshot. Everything runs on 2-D arrays over all kept
symbols at once; no stage raises because of one symbol's data.

The feature set is computed when a detector ``needs_features`` (ML detectors) or
``features_always`` is set. One fused pass computes only the layers of the standard set
that the run reads (what the bank's metrics and detectors read, and with features what
the feature set reads too), split by symbols over ``workers`` threads. Its buffer is kept
per thread and refilled by the next run of the same shape: filling fresh memory costs
more than the indicators themselves. Arrays read through the ``IndicatorBank`` therefore
belong to the run that handed them out; results keep copies (features have their own
buffer, except in ``run``, whose features never leave the call).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from simbiot.analysis.detectors import Detector, DetectorResult, PatternDetector, TrendDetector
from simbiot.analysis.features import FEATURE_INDICATORS, FeatureSet, compute_features
from simbiot.analysis.filters import FilterResult, UniverseFilter
from simbiot.analysis.indicators import (
    IndicatorLayers,
    IndicatorParams,
    compute_layers,
    layer_names,
)
from simbiot.analysis.market_state import MarketState, MarketStateClassifier, choose_reference
from simbiot.analysis.snapshot import SymbolRow, XRaySnapshot
from simbiot.analysis.xray._k_candles import bad_candles
from simbiot.analysis.xray.anomaly import (
    AnomalyDetector,
    AnomalyResult,
    RobustAnomalyDetector,
    bar_panel,
)
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.analysis.xray.metrics import TokenFacts, TokenMetrics, compute_metrics
from simbiot.analysis.xray.scoring import Scores, score_symbols
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.frame import MarketFrame
from simbiot.domain.market import MarketInfo, Ticker
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["FUSED_INDICATORS", "XRAY_INDICATORS", "XRayEngine", "XRayResult", "sanitize_frame"]

# the layers of the standard set that metrics and the built-in detectors read (``_warm``;
# the engine's indicator parameters put the token EMA in the ``ema_slow`` layer)
XRAY_INDICATORS: tuple[str, ...] = (
    "log_return",
    "ema_slow",
    "rsi",
    "atr",
    "adx",
    "volume_z",
    "bb_middle",
    "donchian_middle",
)

# the layers of the standard set the fused pass computes: what features and bank read
FUSED_INDICATORS: tuple[str, ...] = tuple(dict.fromkeys((*FEATURE_INDICATORS, *XRAY_INDICATORS)))

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class XRayResult:
    """Everything one engine pass produced; ``snapshot`` is what gets published."""

    snapshot: XRaySnapshot
    filter: FilterResult
    state: MarketState
    frame: MarketFrame  # the kept symbols only
    metrics: TokenMetrics | None
    anomaly: AnomalyResult | None
    detections: Mapping[str, DetectorResult]
    scores: Scores | None
    features: FeatureSet | None


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started


def sanitize_frame(frame: MarketFrame) -> MarketFrame:
    """Blank (NaN) every candle with a non-finite or non-positive price or a bad volume."""
    o, h, lo, c, v = frame.open, frame.high, frame.low, frame.close, frame.volume
    bad = np.empty(frame.shape, dtype=np.bool_)
    if not bad_candles(o, h, lo, c, v, bad):
        return frame
    arrays = [np.where(bad, np.nan, a) for a in (o, h, lo, c, v)]
    return MarketFrame(frame.exchange, frame.timeframe, frame.symbols, frame.timestamp, *arrays)


class XRayEngine:
    """Analyse a whole market frame into an X-ray snapshot; safe to share between threads."""

    def __init__(
        self,
        settings: AnalysisSettings,
        detectors: Sequence[Detector] | None = None,
        anomaly: AnomalyDetector | None = None,
    ) -> None:
        self.settings = settings
        self._detectors: tuple[Detector, ...] = (
            tuple(detectors)
            if detectors is not None
            else (TrendDetector(settings), PatternDetector(settings))
        )
        self._anomaly: AnomalyDetector = anomaly or RobustAnomalyDetector(
            settings.anomaly_z, settings.anomaly_min_history, workers=settings.workers
        )
        # The anomaly detector keeps what it learned between fit and score; runs for
        # several timeframes may share this engine from worker threads.
        self._anomaly_lock = threading.Lock()
        self._needs_features = settings.features_always or any(
            d.needs_features for d in self._detectors
        )
        # the layers of the standard set one run reads
        self._fused = layer_names(FUSED_INDICATORS if self._needs_features else XRAY_INDICATORS)
        self._filter = UniverseFilter(settings)
        # The fused set uses the X-ray's own periods so the bank reuses its arrays.
        self._params = IndicatorParams(
            ema_slow=settings.token_ema_period,
            ema_trend=settings.state_ema_period,
            rsi=settings.rsi_period,
            atr=settings.atr_period,
            adx=settings.adx_period,
            bb_period=settings.bb_period,
            bb_nbdev=settings.bb_nbdev,
            donchian=settings.donchian_bars,
            volume_z=settings.volume_z_bars,
        )
        self._state = MarketStateClassifier(settings)
        # the last fused indicators of each thread, refilled when the shape matches
        self._scratch = threading.local()

    def run(
        self,
        frame: MarketFrame,
        *,
        markets: Mapping[str, MarketInfo] | None = None,
        tickers: Mapping[str, Ticker] | None = None,
        quarantined: Collection[str] = (),
        metadata: Mapping[str, TokenFacts] | None = None,
        now_ms: int | None = None,
    ) -> XRaySnapshot:
        """Return the snapshot of ``frame`` (see :meth:`analyse`).

        The feature set never leaves this call, so its buffer is this thread's scratch.
        """
        return self.analyse(
            frame,
            markets=markets,
            tickers=tickers,
            quarantined=quarantined,
            metadata=metadata,
            now_ms=now_ms,
            keep_features=False,
        ).snapshot

    def analyse(
        self,
        frame: MarketFrame,
        *,
        markets: Mapping[str, MarketInfo] | None = None,
        tickers: Mapping[str, Ticker] | None = None,
        quarantined: Collection[str] = (),
        metadata: Mapping[str, TokenFacts] | None = None,
        now_ms: int | None = None,
        keep_features: bool = True,
    ) -> XRayResult:
        """Run every stage; ``now_ms`` defaults to the close time of the newest candle.

        With ``keep_features`` False the feature set is written into a buffer that the
        next pass on this thread overwrites: the result's features belong to this pass
        only (reusing the buffer saves filling fresh memory).
        """
        s = self.settings
        timer = _Timer()
        started = time.perf_counter()
        quarantined = frozenset(quarantined)
        with timer.stage("filter"):
            frame = sanitize_frame(frame)
            kept = self._filter.apply(
                frame, tickers=tickers, quarantined=quarantined, markets=markets
            )
        with timer.stage("state"):
            ref_row, skipped = choose_reference(frame, s, quarantined)
            state = self._state.classify(
                frame, quarantined=quarantined, reference_row=ref_row, skipped=skipped
            )
        sub = _kept_frame(frame, kept.kept)
        metrics = anomaly = scores = feats = None
        detections: dict[str, DetectorResult] = {}
        if sub.shape[0]:
            ref_in_sub = (
                kept.kept.index(state.reference)
                if state.reference is not None and state.reference in kept.kept
                else None
            )
            with timer.stage("indicators"):
                ind = compute_layers(
                    sub, self._fused, self._params, out=self._reusable(sub), workers=s.workers
                )
                self._scratch.indicators = ind
            if self._needs_features:
                with timer.stage("features"):
                    scratch = None if keep_features else self._reusable_features(sub)
                    feats = compute_features(sub, ind, ref_in_sub, out=scratch, workers=s.workers)
                    if not keep_features:
                        self._scratch.features = feats
            bank = IndicatorBank(sub, ind, workers=s.workers)
            with timer.stage("indicators"):
                _warm(bank, s)  # what the fused pass does not hold (the volatility)
            with timer.stage("metrics"):
                metrics = compute_metrics(
                    bank,
                    s,
                    reference_close=frame.close[ref_row] if ref_row is not None else None,
                    tickers=tickers,
                    metadata=metadata,
                )
            with timer.stage("anomaly"):
                panel = bar_panel(sub, s.anomaly_bars, s.workers)
                with self._anomaly_lock:
                    self._anomaly.fit(panel.history())
                    anomaly = self._anomaly.score(panel.symbols, panel.current())
            with timer.stage("detectors"):
                detections = self._detect(sub, bank, feats)
            with timer.stage("scoring"):
                scores = score_symbols(
                    metrics, s, detections=detections, anomaly=anomaly, timeframe=frame.timeframe
                )
        with timer.stage("snapshot"):
            table = _rows(metrics, scores, detections, anomaly, s.top)
        timer.timings["total"] = time.perf_counter() - started
        candle_ms = int(frame.timestamp[-1]) if frame.shape[1] else None
        if now_ms is None:
            now_ms = candle_ms + timeframe_ms(frame.timeframe) if candle_ms is not None else 0
        rejections = Counter(r for reasons in kept.rejected.values() for r in reasons)
        snapshot = XRaySnapshot(
            exchange=frame.exchange,
            timeframe=frame.timeframe,
            generated_at_ms=now_ms,
            candle_ms=candle_ms,
            market_state=state,
            symbols=table,
            scanned=frame.shape[0],
            filtered=len(kept.kept),
            quarantined=tuple(sorted(x for x in frame.symbols if x in quarantined)),
            rejections=dict(sorted(rejections.items())),
            timings=timer.timings,
        )
        return XRayResult(snapshot, kept, state, sub, metrics, anomaly, detections, scores, feats)

    def scratch_indicators(self) -> IndicatorLayers | None:
        """The fused indicators this thread's last run kept for reuse (None before any)."""
        last: IndicatorLayers | None = getattr(self._scratch, "indicators", None)
        return last

    def scratch_features(self) -> FeatureSet | None:
        """The feature buffer this thread's ``run`` keeps for reuse (None before any)."""
        last: FeatureSet | None = getattr(self._scratch, "features", None)
        return last

    def _reusable(self, frame: MarketFrame) -> IndicatorLayers | None:
        """This thread's previous fused indicators when ``frame`` has their shape, else None."""
        last = self.scratch_indicators()
        if last is None or last.shape != frame.shape or last.names != self._fused:
            return None
        return last

    def _reusable_features(self, frame: MarketFrame) -> FeatureSet | None:
        """This thread's scratch feature set when ``frame`` has its shape, else None."""
        last = self.scratch_features()
        return last if last is not None and last.block.shape[1:] == frame.shape else None

    def _detect(
        self, frame: MarketFrame, bank: IndicatorBank, feats: FeatureSet | None
    ) -> dict[str, DetectorResult]:
        out: dict[str, DetectorResult] = {}
        for detector in self._detectors:
            try:
                out[detector.name] = detector.detect(frame, bank, feats)
            except Exception:  # one faulty (e.g. ML) detector must not sink the X-ray
                log.exception("detector %s failed; its verdicts are left out", detector.name)
        return out


def _kept_frame(frame: MarketFrame, kept: tuple[str, ...]) -> MarketFrame:
    """The rows of ``kept`` (in frame order); the frame itself when every row is kept."""
    if kept == frame.symbols:
        return frame
    row = {symbol: i for i, symbol in enumerate(frame.symbols)}
    return frame.select(np.fromiter((row[x] for x in kept), dtype=np.intp, count=len(kept)))


def _warm(bank: IndicatorBank, s: AnalysisSettings) -> None:
    """Compute what metrics and the built-in detectors read, inside the indicators stage."""
    bank.returns()
    bank.sigma(s.vol_bars)
    bank.ema(s.token_ema_period)
    bank.rsi(s.rsi_period)
    bank.adx(s.adx_period)
    bank.atr(s.atr_period)
    bank.volume_z(s.volume_z_bars)
    bank.bbands(s.bb_period, s.bb_nbdev)
    bank.donchian(s.donchian_bars)


def _rows(
    metrics: TokenMetrics | None,
    scores: Scores | None,
    detections: Mapping[str, DetectorResult],
    anomaly: AnomalyResult | None,
    top: int,
) -> tuple[SymbolRow, ...]:
    if metrics is None or scores is None:
        return ()
    trend = detections.get("trend")
    patterns = detections.get("patterns")
    out = []
    for i in scores.order[:top]:
        i = int(i)
        out.append(
            SymbolRow(
                rank=int(scores.rank[i]),
                symbol=metrics.symbols[i],
                score=float(scores.score[i]),
                price=float(metrics.price[i]),
                change_pct=float(metrics.change_pct[i]),
                volatility_pct=float(metrics.volatility_pct[i]),
                volatility_percentile=float(metrics.volatility_percentile[i]),
                trend=trend.label_of(i) if trend is not None else _trend_word(metrics, i),
                trend_strength=float(metrics.trend_strength[i]),
                momentum_z=float(metrics.momentum_z[i]),
                volume_anomaly=float(metrics.volume_z[i]),
                relative_strength=float(metrics.relative_strength[i]),
                liquidity=float(metrics.liquidity[i]),
                rsi=float(metrics.rsi[i]),
                market_cap=float(metrics.market_cap[i]),
                market_cap_rank=float(metrics.market_cap_rank[i]),
                listing_age_days=float(metrics.listing_age_days[i]),
                pattern=patterns.label_of(i) if patterns is not None else "none",
                flags=scores.flags[i],
                anomalies=anomaly.flagged(i) if anomaly is not None else (),
            )
        )
    return tuple(out)


def _trend_word(metrics: TokenMetrics, i: int) -> str:
    t = float(metrics.trend_strength[i])
    return "flat" if not math.isfinite(t) or t == 0 else ("up" if t > 0 else "down")
