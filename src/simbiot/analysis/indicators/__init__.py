"""Technical indicators on (symbols, time) float64 arrays, TA-Lib-exact, compiled with numba.

Every function accepts a 1-D row or a C-contiguous 2-D array of rows and returns new
float64 arrays of the same shape, NaN where a value is undefined. TA-Lib is the reference:
after warm-up every value equals TA-Lib's within floating rounding, and warm-up NaNs sit
where TA-Lib puts them.

Gaps and late listings: a candle is valid when all inputs of the indicator are finite.
Each run of valid candles is computed alone, exactly as TA-Lib computes that run, so a
row that starts with NaN (listed later) matches TA-Lib on its valid suffix, and after a
gap every recurrence and window restarts with a fresh warm-up (TA-Lib itself would carry
the NaN forward forever). Constant series give finite values (0 where TA-Lib gives 0).
"""

from simbiot.analysis.indicators.averages import ema, macd, sma
from simbiot.analysis.indicators.digest import frame_digest
from simbiot.analysis.indicators.fused import compute_indicators, compute_layers
from simbiot.analysis.indicators.indicator_set import (
    INDICATOR_NAMES,
    IndicatorParams,
    IndicatorSet,
)
from simbiot.analysis.indicators.layers import IndicatorLayers, layer_names
from simbiot.analysis.indicators.oscillators import cci, mfi, rsi, stoch
from simbiot.analysis.indicators.returns import log_returns, pct_change
from simbiot.analysis.indicators.trend import adx, donchian, minus_di, plus_di
from simbiot.analysis.indicators.volatility import (
    atr,
    bbands,
    close_to_close_vol,
    garman_klass_vol,
    natr,
    parkinson_vol,
    periods_per_year,
    rogers_satchell_vol,
    rolling_std,
    trange,
)
from simbiot.analysis.indicators.volume import obv, volume_zscore, vwap

__all__ = [
    "INDICATOR_NAMES",
    "IndicatorLayers",
    "IndicatorParams",
    "IndicatorSet",
    "adx",
    "atr",
    "bbands",
    "cci",
    "close_to_close_vol",
    "compute_indicators",
    "compute_layers",
    "donchian",
    "ema",
    "frame_digest",
    "garman_klass_vol",
    "layer_names",
    "log_returns",
    "macd",
    "mfi",
    "minus_di",
    "natr",
    "obv",
    "parkinson_vol",
    "pct_change",
    "periods_per_year",
    "plus_di",
    "rogers_satchell_vol",
    "rolling_std",
    "rsi",
    "sma",
    "stoch",
    "trange",
    "volume_zscore",
    "vwap",
]
