"""The simulated markets' static description: names, precision, minimums, books, listing."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["NEVER", "Universe", "derive_precision", "synthetic_universe"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Candle index meaning "never delisted".
NEVER = np.iinfo(np.int64).max // 4

_REFERENCE = (
    # base, coin name, CoinGecko id, start price, annual volatility, circulating supply
    ("BTC", "Bitcoin", "bitcoin", 60_000.0, 0.55, 19_700_000.0),
    ("ETH", "Ethereum", "ethereum", 3_000.0, 0.70, 120_000_000.0),
    ("BNB", "BNB", "binancecoin", 550.0, 0.60, 146_000_000.0),
)
_ONSETS = (
    "B",
    "C",
    "D",
    "F",
    "G",
    "H",
    "K",
    "L",
    "M",
    "N",
    "P",
    "R",
    "S",
    "T",
    "V",
    "Z",
    "BR",
    "DR",
    "GL",
    "KR",
    "PL",
    "ST",
    "TR",
    "QU",
    "X",
)
_VOWELS = ("A", "E", "I", "O", "U", "Y")
_SUFFIXES = ("Protocol", "Network", "Finance", "Chain", "AI", "Swap", "DAO", "Labs")


@dataclass(frozen=True, slots=True)
class Universe:
    """Per-market arrays, index-aligned; market 0 is always BTC/<quote>."""

    quote: str
    bases: tuple[str, ...]
    names: tuple[str, ...]
    coingecko_ids: tuple[str, ...]
    price_decimals: IntArray
    amount_decimals: IntArray
    min_notional: FloatArray
    list_index: IntArray
    delist_index: IntArray
    api_allowed: BoolArray
    spread_bps: FloatArray
    level_depth_quote: FloatArray
    supply: FloatArray
    by_id: dict[str, int] = field(init=False)
    by_symbol: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {b + self.quote: i for i, b in enumerate(self.bases)})
        object.__setattr__(
            self, "by_symbol", {f"{b}/{self.quote}": i for i, b in enumerate(self.bases)}
        )

    def __len__(self) -> int:
        return len(self.bases)

    def market_id(self, i: int) -> str:
        """Return the venue's id of market ``i`` ("BTCUSDT")."""
        return self.bases[i] + self.quote

    def symbol(self, i: int) -> str:
        """Return the unified symbol of market ``i`` ("BTC/USDT")."""
        return f"{self.bases[i]}/{self.quote}"

    def listed(self, i: int, index: int) -> bool:
        """Whether market ``i`` trades at candle ``index``."""
        return bool(self.list_index[i] <= index < self.delist_index[i])

    def listed_mask(self, index: int) -> BoolArray:
        """Return which markets trade at candle ``index``."""
        return (self.list_index <= index) & (index < self.delist_index)


def derive_precision(prices: FloatArray) -> tuple[IntArray, IntArray]:
    """Return (price decimals, amount decimals) giving about 6-7 significant price digits."""
    magnitude = np.floor(np.log10(np.maximum(prices, 1e-12))).astype(np.int64)
    price_dec = np.clip(6 - magnitude, 0, 10)
    amount_dec = np.clip(magnitude + 1, 0, 8)
    return price_dec, amount_dec


def _pseudo_names(rng: np.random.Generator, count: int, taken: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        parts = rng.integers(2, 4)
        word = "".join(
            _ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
            for _ in range(parts)
        )[: int(rng.integers(3, 7))]
        if word not in taken:
            taken.add(word)
            names.append(word)
    return names


def synthetic_universe(
    count: int,
    *,
    seed: int,
    quote: str,
    start_index: int,
    listing_share: float,
    delisting_share: float,
    not_api_share: float,
) -> tuple[Universe, FloatArray, FloatArray]:
    """Build ``count`` markets; return the universe, start prices and annual volatilities.

    Listings fall within the first ``start_index`` candles after the start, delistings
    within twice that; BTC, ETH and BNB always trade.
    """
    rng = np.random.default_rng([seed, 0x0E1])
    ref = _REFERENCE[: min(count, len(_REFERENCE))]
    extra = count - len(ref)
    bases = [r[0] for r in ref] + _pseudo_names(rng, extra, {r[0] for r in ref} | {quote})
    prices = np.concatenate([[r[3] for r in ref], 10 ** rng.uniform(-5, 3, extra)])
    vols = np.concatenate([[r[4] for r in ref], rng.uniform(0.4, 2.0, extra)])
    # Market caps of the rest stay below the majors' (up to ~30 bn quote units).
    caps = 10 ** rng.uniform(5, 10.5, extra)
    supply = np.concatenate([[r[5] for r in ref], caps / prices[len(ref) :]])
    names = [r[1] for r in ref]
    cg_ids = [r[2] for r in ref]
    for b in bases[len(ref) :]:
        suffix = _SUFFIXES[rng.integers(len(_SUFFIXES))]
        names.append(f"{b.capitalize()} {suffix}")
        cg_ids.append(f"{b.lower()}-{suffix.lower()}")
    price_dec, amount_dec = derive_precision(prices)

    listed = np.zeros(count, dtype=np.int64)
    delisted = np.full(count, NEVER, dtype=np.int64)
    api = np.ones(count, dtype=bool)
    if extra:
        # Exact counts (at least one of each when the share is positive), disjoint sets.
        def quota(share: float) -> int:
            return max(1, round(extra * share)) if share > 0 and extra >= 10 else 0

        order = len(ref) + rng.permutation(extra)
        n_late, n_gone, n_blocked = (
            quota(listing_share),
            quota(delisting_share),
            quota(not_api_share),
        )
        late = order[:n_late]
        gone = order[n_late : n_late + n_gone]
        blocked = order[n_late + n_gone : n_late + n_gone + n_blocked]
        span = max(start_index, 2)
        listed[late] = start_index + rng.integers(1, span, n_late)
        delisted[gone] = start_index + rng.integers(1, 2 * span, n_gone)
        api[blocked] = False
    # Thick books for the majors, log-uniform elsewhere: thin books give partial fills.
    depth = np.concatenate([[2_000_000.0, 800_000.0, 300_000.0], 10 ** rng.uniform(2, 5.5, extra)])
    spread = np.concatenate([[1.0, 1.5, 2.0], 10 ** rng.uniform(0.5, 2.3, extra)])
    universe = Universe(
        quote=quote,
        bases=tuple(bases),
        names=tuple(names),
        coingecko_ids=tuple(cg_ids),
        price_decimals=price_dec,
        amount_decimals=amount_dec,
        min_notional=np.where(rng.random(count) < 0.5, 1.0, 5.0),
        list_index=listed,
        delist_index=delisted,
        api_allowed=api,
        spread_bps=spread[:count],
        level_depth_quote=depth[:count],
        supply=supply,
    )
    return universe, prices, vols
