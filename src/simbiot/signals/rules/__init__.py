"""Declarative rule strategies: users write strategies as YAML, without code (S1, S2, I2).

A rule file::

    name: rsi_dip                       # lower-case id, unique among strategies
    description: Oversold dip in a rising market.
    params:                             # tunable; the genetic optimiser searches low..high
      rsi_len: {default: 14, low: 5, high: 30, type: int}
      k: {default: 2.0, low: 0.5, high: 4.0}        # type inferred: float
      mode: {default: fast, choices: [fast, slow]}  # choice; bool: {default: true}
    entry:                              # required: when to open a long position
      all:
        - {lt: [rsi(rsi_len), 30]}
        - {crosses_above: [close, ema(50)]}
        - {rising: [volume_z, 3]}
        - {gt: [ret(1), "-k*vol"]}
        - {gt: [volume_z, p90]}
        - {not: {between: [rsi(rsi_len), 45, 55]}}
    exit:                               # optional: when to close it
      any: [{gt: [rsi(rsi_len), 70]}]

Conditions (each a mapping with exactly one operator):

==========================  ==============================================================
``gt lt ge le: [x, y]``     x > y, x < y, x >= y, x <= y at each bar
``crosses_above: [x, y]``   x > y now and x <= y on the bar before (``crosses_below`` too)
``rising: [x, n]``          x rose on each of the last n bars (``falling`` too); n: int or
                            int parameter
``between: [x, lo, hi]``    lo <= x <= hi (``outside``: x < lo or x > hi)
``all: [c, ...]``           every condition holds; ``any``: at least one; ``not: c``
==========================  ==============================================================

The first operand ``x`` is an indicator or a feature. Other operands may be:

- a number (``30``, ``-0.02``) or a numeric parameter (``k``);
- an indicator, with arguments (``ema(50)``, ``bb_lower(20, k)``) or with its defaults
  (``volume_z``); see ``simbiot strategies list`` / ``simbiot.signals.catalog.CATALOG``;
- a feature of the analysis (``ret_z_24``, ``rel_strength_4``, ``vol_rank``…, see
  ``simbiot.analysis.features.feature_names``);
- a volatility-scaled threshold (S2): ``"2.5sigma"``, ``"k*vol"``, ``"-1.5*atr(14)"`` —
  a multiple of the symbol's own volatility (deviation of one-bar log returns over 20 bars,
  comparable with ``ret``/``logret``) or ATR (price units), measured up to the previous bar;
- a cross-sectional percentile: ``p90`` is, at each bar, the 90th percentile of ``x``
  across every symbol of the market; ``"p(top)"`` reads it from a parameter (0..100).

A value that is not known (warm-up, missing candle) satisfies no comparison. Every
problem is reported as ``file:line: message`` (:class:`RuleFileError`).
"""

from simbiot.signals.rules.errors import RuleFileError, RuleIssue
from simbiot.signals.rules.strategy import (
    RuleStrategy,
    check_rule_text,
    load_rule_file,
    parse_rule_text,
)

__all__ = [
    "RuleFileError",
    "RuleIssue",
    "RuleStrategy",
    "check_rule_text",
    "load_rule_file",
    "parse_rule_text",
]
