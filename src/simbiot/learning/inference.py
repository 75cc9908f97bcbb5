"""Batched inference: one model call for every symbol of a frame per cycle, cached.

The feature matrix at the newest candle of all symbols is built once and the booster
predicts every row in one call (2,000 symbols take tens of milliseconds, one symbol about
a millisecond, so batching is what makes thousands of symbols affordable). Results are
cached under ``CacheKeys.predictions`` with the frame's digest, so every analyzer replica
and the API read the same batch instead of predicting again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simbiot.analysis.detectors.base import FeatureView
from simbiot.analysis.indicators import frame_digest
from simbiot.cache.codec import decode_json, encode_json
from simbiot.cache.keys import CacheKeys
from simbiot.cache.port import Cache
from simbiot.domain.errors import DataError
from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetSpec, feature_block
from simbiot.learning.training import LoadedModel

__all__ = ["Predictions", "Predictor", "feature_rows", "recent_rows"]

FloatArray = npt.NDArray[np.float64]


def feature_rows(feats: FeatureView, names: tuple[str, ...], t: int = -1) -> FloatArray:
    """Return the (symbols, features) matrix at candle ``t`` in the model's feature order.

    Raise DataError when the feature set lacks a feature the model was trained on.
    """
    missing = [n for n in names if n not in feats.names]
    if missing:
        raise DataError(f"features missing for the model: {missing}")
    return np.ascontiguousarray(np.stack([feats.get(n)[:, t] for n in names], axis=1))


def recent_rows(
    frame: MarketFrame,
    spec: DatasetSpec,
    names: tuple[str, ...],
    bars: int,
    warmup: int = 500,
    max_rows: int = 50_000,
) -> FloatArray:
    """Feature rows (model order) of every symbol over the newest ``bars`` candles.

    The drift sample of the recent market: features are computed on the newest
    ``warmup + bars`` candles only, enough for every indicator to settle; bars are taken
    at a stride that keeps the sample under ``max_rows`` rows. Market-wide features are
    NaN (see below).
    """
    n = frame.shape[1]
    if n == 0 or bars < 1:
        return np.empty((0, len(names)))
    start = max(0, n - warmup - bars)
    tail = MarketFrame(
        frame.exchange, frame.timeframe, frame.symbols, frame.timestamp[start:],
        frame.open[:, start:], frame.high[:, start:], frame.low[:, start:],
        frame.close[:, start:], frame.volume[:, start:],
    )  # fmt: skip
    feats = feature_block(tail, spec)
    m = tail.shape[1]
    # A market-wide feature (one value for every symbol, e.g. breadth) is one time series,
    # not a sample: a few hundred bars of it always differ from months of training rows,
    # so it is left out of the drift sample (NaN: population_stability skips it).
    wide = [k for k, n in enumerate(names) if _market_wide(feats.get(n)[:, -1])]
    first = max(0, m - bars)
    stride = max(1, -(-(m - first) * frame.shape[0] // max_rows))
    blocks = [feature_rows(feats, names, t) for t in range(m - 1, first - 1, -stride)]
    rows = np.concatenate(blocks, axis=0)
    rows[:, wide] = np.nan
    return np.ascontiguousarray(rows[np.isfinite(rows).any(axis=1)])


def _market_wide(column: FloatArray) -> bool:
    """Whether a feature has the same value for every symbol (at least two known)."""
    known = column[np.isfinite(column)]
    return len(known) >= 2 and bool(np.ptp(known) <= 1e-12 * max(1.0, float(np.abs(known).max())))


@dataclass(frozen=True, slots=True)
class Predictions:
    """One model's output for every symbol at one candle; NaN where a symbol has no price."""

    model: str
    version: int
    symbols: tuple[str, ...]
    timestamp: int
    values: FloatArray
    digest: str

    def as_dict(self) -> dict[str, float]:
        """Symbol → value, symbols without a value left out."""
        return {
            s: float(v) for s, v in zip(self.symbols, self.values, strict=True) if np.isfinite(v)
        }

    def encode(self) -> bytes:
        """Bytes for the cache."""
        values = [float(v) if np.isfinite(v) else None for v in self.values]
        return encode_json(
            {
                "model": self.model,
                "version": self.version,
                "symbols": list(self.symbols),
                "timestamp": self.timestamp,
                "values": values,
                "digest": self.digest,
            }
        )

    @staticmethod
    def decode(raw: bytes) -> Predictions:
        """Inverse of :meth:`encode`; raise DataError on a malformed entry."""
        try:
            doc = decode_json(raw)
            values = np.array([np.nan if v is None else float(v) for v in doc["values"]])
            return Predictions(
                str(doc["model"]),
                int(doc["version"]),
                tuple(str(s) for s in doc["symbols"]),
                int(doc["timestamp"]),
                values,
                str(doc["digest"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"malformed cached predictions: {exc}") from exc


class Predictor:
    """Predicts every symbol of a frame with one model, once per distinct frame."""

    def __init__(
        self,
        name: str,
        version: int,
        model: LoadedModel,
        spec: DatasetSpec,
        *,
        cache: Cache | None = None,
        ttl_s: float | None = 900.0,
    ) -> None:
        self.name = name
        self.version = version
        self._model = model
        self._spec = spec
        self._cache = cache
        self._ttl = ttl_s

    def predict_features(
        self, feats: FeatureView, frame: MarketFrame, t: int = -1, digest: str = ""
    ) -> Predictions:
        """Predict all symbols at candle ``t`` from an already computed feature set."""
        x = feature_rows(feats, self._model.names, t)
        values = self._model.predict(x)
        values[~np.isfinite(frame.close[:, t])] = np.nan
        return Predictions(
            self.name, self.version, frame.symbols, int(frame.timestamp[t]), values, digest
        )

    async def predict(self, frame: MarketFrame) -> Predictions:
        """Predict the newest candle of every symbol; reuse the cached batch of this frame."""
        digest = frame_digest(frame)
        key = CacheKeys.predictions(self.name, frame.exchange, frame.timeframe)
        if self._cache is not None:
            raw = await self._cache.get(key)
            if raw is not None:
                try:
                    cached = Predictions.decode(raw)
                except DataError:
                    cached = None  # a corrupt entry is replaced below
                if (
                    cached is not None
                    and cached.digest == digest
                    and cached.version == self.version
                ):
                    return cached
        out = self.predict_features(feature_block(frame, self._spec), frame, -1, digest)
        if self._cache is not None:
            await self._cache.set(key, out.encode(), self._ttl)
        return out
