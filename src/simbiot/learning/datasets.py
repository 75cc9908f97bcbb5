"""Training datasets: X-ray features stacked over (symbol, time) rows, with their labels.

Features at candle t come from ``compute_features`` (causal: candles up to t only). Labels
at t read candles t+1 .. t+horizon, so :meth:`Dataset.known_at` keeps only rows whose label
horizon has ended by a cut-off: a model trained "at t" never sees a price after t.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from simbiot.analysis.features import FeatureParams, FeatureSet, compute_features
from simbiot.analysis.indicators import compute_indicators, frame_digest
from simbiot.domain.frame import MarketFrame
from simbiot.learning.labels import forward_return, forward_volatility, triple_barrier

__all__ = [
    "Dataset",
    "DatasetCache",
    "DatasetSpec",
    "build_dataset",
    "feature_block",
    "per_bar_volatility",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """How rows are labelled: horizon (bars), barrier width (in σ·√horizon), vol window."""

    horizon: int = 24
    barrier_width: float = 1.0
    vol_window: int = 48
    reference_symbol: str | None = "BTC/USDT"

    def __post_init__(self) -> None:
        if self.horizon < 1 or self.vol_window < 2 or self.barrier_width <= 0:
            raise ValueError("need horizon >= 1, vol_window >= 2, barrier_width > 0")

    def key(self) -> str:
        """Short stable hash of the spec (part of the cache key)."""
        doc = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(doc).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Dataset:
    """Rows of (symbol, time) with finite labels; features may hold NaN (LightGBM copes)."""

    names: tuple[str, ...]
    symbols: tuple[str, ...]
    x: FloatArray  # (rows, features)
    y_class: FloatArray  # triple-barrier outcome, 0/1
    y_return: FloatArray  # forward log return
    y_vol: FloatArray  # forward per-bar volatility (NaN where too few returns are known)
    row: IntArray  # symbol index of each row
    t: IntArray  # candle index of each row
    horizon: int

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def label_end(self) -> IntArray:
        """Index of the last candle each row's label read."""
        return self.t + self.horizon

    def subset(self, mask: npt.NDArray[np.bool_] | IntArray) -> Dataset:
        """Return the rows selected by a boolean mask or index array."""
        return Dataset(
            self.names,
            self.symbols,
            self.x[mask],
            self.y_class[mask],
            self.y_return[mask],
            self.y_vol[mask],
            self.row[mask],
            self.t[mask],
            self.horizon,
        )

    def target(self, name: str) -> FloatArray:
        """The label column ``name``: ``class`` (0/1), ``return`` or ``volatility``."""
        columns = {"class": self.y_class, "return": self.y_return, "volatility": self.y_vol}
        if name not in columns:
            raise ValueError(f"unknown target {name!r}; known: {', '.join(columns)}")
        return columns[name]

    def labelled(self, name: str) -> Dataset:
        """The rows whose ``name`` label is known (finite)."""
        return self.subset(np.isfinite(self.target(name)))

    def known_at(self, cutoff: int) -> Dataset:
        """Rows whose label is fully known at candle ``cutoff`` (label_end <= cutoff)."""
        return self.subset(self.label_end <= cutoff)

    def time_order(self) -> Dataset:
        """Rows sorted by candle index (then symbol), as time-series CV needs."""
        order = np.lexsort((self.row, self.t))
        return self.subset(order)


def per_bar_volatility(close: FloatArray, window: int) -> FloatArray:
    """Trailing standard deviation of 1-bar log returns (known at t), (symbols, time)."""
    with np.errstate(all="ignore"):
        r = np.full(close.shape, np.nan)
        r[:, 1:] = np.log(close[:, 1:] / close[:, :-1])
    r[~np.isfinite(r)] = np.nan
    # pandas rolls every column at once: symbols become columns.
    rolled = pd.DataFrame(r.T).rolling(window, min_periods=max(2, window // 2)).std()
    return np.ascontiguousarray(rolled.to_numpy().T)


def feature_block(frame: MarketFrame, spec: DatasetSpec) -> FeatureSet:
    """Compute the X-ray feature set of ``frame`` (the same one inference uses)."""
    ind = compute_indicators(frame)
    ref = spec.reference_symbol
    reference = frame.symbols.index(ref) if ref is not None and ref in frame.symbols else None
    return compute_features(frame, ind, reference, params=FeatureParams())


def build_dataset(frame: MarketFrame, spec: DatasetSpec) -> Dataset:
    """Stack features and labels of every symbol and candle; keep rows with a known label."""
    feats = feature_block(frame, spec)
    close = np.ascontiguousarray(frame.close, dtype=np.float64)
    vol = per_bar_volatility(close, spec.vol_window)
    y_ret = forward_return(close, spec.horizon)
    # A one-bar horizon has no spread to measure: its volatility label stays unknown.
    y_vol = (
        forward_volatility(close, spec.horizon)
        if spec.horizon >= 2
        else np.full(close.shape, np.nan)
    )
    y_cls = triple_barrier(close, frame.high, frame.low, vol, spec.horizon, spec.barrier_width)
    ok = np.isfinite(y_ret) & np.isfinite(y_cls)
    rows, ts = np.nonzero(ok)
    x = np.ascontiguousarray(np.moveaxis(feats.block[:, rows, ts], 0, 1))
    return Dataset(
        feats.names,
        frame.symbols,
        x,
        y_cls[rows, ts],
        y_ret[rows, ts],
        y_vol[rows, ts],
        rows.astype(np.int64),
        ts.astype(np.int64),
        spec.horizon,
    )


class DatasetCache:
    """Prepared datasets as ``.npz`` files under ``root``, keyed by data digest and spec.

    ``keep`` bounds the files kept: after a new dataset is written only the ``keep`` most
    recently written stay (a service building one per cycle would otherwise fill the
    disk); None keeps every file.
    """

    def __init__(self, root: Path, keep: int | None = None) -> None:
        if keep is not None and keep < 1:
            raise ValueError("keep must be >= 1")
        self._root = root
        self._keep = keep

    def path(self, digest: str, spec: DatasetSpec) -> Path:
        """File holding the dataset of frame ``digest`` built with ``spec``."""
        return self._root / f"{digest[:32]}-{spec.key()}.npz"

    def read(self, digest: str, spec: DatasetSpec) -> Dataset:
        """The stored dataset of frame ``digest``; raise OSError when it is not stored."""
        return self._read(self.path(digest, spec), spec)

    def load_or_build(self, frame: MarketFrame, spec: DatasetSpec) -> tuple[Dataset, str]:
        """Return the dataset of ``frame`` and its digest, built once per distinct data."""
        digest = frame_digest(frame)
        path = self.path(digest, spec)
        if path.exists():
            try:
                return self._read(path, spec), digest
            except (OSError, ValueError, KeyError):
                path.unlink(missing_ok=True)  # a torn write: rebuild below
        data = build_dataset(frame, spec)
        self._write(path, data)
        self._prune()
        return data, digest

    def _prune(self) -> None:
        if self._keep is None:
            return
        stamped = []
        for p in self._root.glob("*.npz"):
            if p.name.endswith(".tmp.npz"):
                continue  # another writer's file in the making
            try:
                stamped.append((p.stat().st_mtime_ns, p))
            except FileNotFoundError:
                continue  # pruned by another process meanwhile
        stamped.sort(reverse=True)
        for _, old in stamped[self._keep :]:
            old.unlink(missing_ok=True)

    def _write(self, path: Path, data: Dataset) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(
            tmp,
            names=np.array(data.names),
            symbols=np.array(data.symbols),
            x=data.x,
            y_class=data.y_class,
            y_return=data.y_return,
            y_vol=data.y_vol,
            row=data.row,
            t=data.t,
        )
        tmp.replace(path)  # atomic: readers never see a half-written file

    @staticmethod
    def _read(path: Path, spec: DatasetSpec) -> Dataset:
        with np.load(path, allow_pickle=False) as z:
            return Dataset(
                tuple(str(s) for s in z["names"]),
                tuple(str(s) for s in z["symbols"]),
                z["x"],
                z["y_class"],
                z["y_return"],
                z["y_vol"],
                z["row"],
                z["t"],
                spec.horizon,
            )
