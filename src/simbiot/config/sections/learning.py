"""Configuration of model training, retraining and the genetic optimiser."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from simbiot.config.sections.base import FrozenModel

__all__ = ["LearningSettings", "OptimizeSettings"]


class LearningSettings(FrozenModel):
    """Datasets, model training, inference thresholds and the retraining manager (L1-L5)."""

    # Model artefacts directory; relative paths are under app.data_dir.
    models_dir: Path = Path("models")
    # Prepared-dataset cache directory; relative paths are under app.data_dir.
    datasets_dir: Path = Path("datasets")
    # Label horizon in bars (also the purge gap of cross-validation).
    horizon: int = Field(24, ge=1, le=1_000)
    # Triple-barrier half-width in units of per-bar volatility × sqrt(horizon).
    barrier_width: float = Field(1.0, gt=0, le=10)
    # Bars of the trailing volatility that scales the barriers.
    vol_window: int = Field(48, ge=2, le=5_000)
    # Benchmark symbol for relative-strength features (None = cross-sectional median).
    reference_symbol: str | None = "BTC/USDT"
    # LightGBM boosting rounds.
    n_estimators: int = Field(200, ge=1, le=10_000)
    # LightGBM learning rate.
    learning_rate: float = Field(0.05, gt=0, le=1)
    # LightGBM leaves per tree.
    num_leaves: int = Field(31, ge=2, le=4_096)
    # LightGBM minimum rows per leaf (guards against fitting noise).
    min_child_samples: int = Field(100, ge=1)
    # Purged time-series cross-validation folds.
    cv_folds: int = Field(4, ge=1, le=20)
    # Most recent bars held out to judge challenger against champion on the same rows.
    holdout_bars: int = Field(500, ge=10)
    # ML signal filter: entries with a predicted win probability below this are dropped.
    filter_threshold: float = Field(0.5, ge=0, le=1)
    # ML signal filter against the champion's validation base rate instead of
    # filter_threshold (on real data 0.5 kept almost no entry, the base rate about half).
    filter_relative: bool = True
    # Live outcomes needed before live quality is judged at all.
    min_live_rows: int = Field(200, ge=1)
    # Retrain when live hit rate falls this far below the validation hit rate.
    max_hit_rate_drop: float = Field(0.05, gt=0, le=1)
    # Retrain when live calibration error (ECE) exceeds the validation one by more than this.
    max_calibration_error: float = Field(0.05, gt=0, le=1)
    # Retrain when any feature's population stability index exceeds this (0.25 = shifted).
    max_psi: float = Field(0.25, gt=0)
    # Retrain a champion older than this many seconds even when quality holds (7 days).
    retrain_every_s: int = Field(604_800, ge=60)
    # A challenger must beat the champion's holdout AUC by at least this to be promoted.
    min_improvement: float = Field(0.002, ge=0, le=1)
    # After a promotion, a live hit-rate drop past max_hit_rate_drop within this many
    # seconds rolls the promotion back (3 days).
    probation_s: int = Field(259_200, ge=60)
    # Run the learner (retraining cycles in the background) beside `simbiot run`'s trading.
    learner_enabled: bool = True
    # Seconds between learner cycles (each checks decay, drift and age of every model).
    learner_interval_s: float = Field(3_600.0, ge=1)
    # Newest candles the learner builds its training and holdout rows from.
    learner_window: int = Field(3_000, ge=200)
    # Models the learner keeps trained: trend (classifier), potential and volatility
    # (regressors); see simbiot.learning.roles.
    learner_models: tuple[str, ...] = ("trend", "potential", "volatility")
    # The learner trains on every n-th candle of each symbol: neighbouring labels overlap
    # by all but one bar, so thinning loses little and cuts memory and time n-fold.
    row_stride: int = Field(4, ge=1, le=1_000)
    # Closed trades' recorded entries read per learner cycle to measure live quality.
    live_outcome_rows: int = Field(5_000, ge=10)
    # Models vote in the X-ray (isolation-forest anomalies A2, trend A4, potential A7), the
    # blacklist (S4), sizing (R1) and stops (R3); each falls back to the rule-based default
    # without a champion. The entry filter (S1) works either way.
    models_in_pipeline: bool = True
    # Probability above which the ML trend detector says up (below 1 - band: down).
    detector_band: float = Field(0.6, gt=0.5, lt=1)
    # Share of symbols flagged high_potential by the potential model (A7).
    potential_top_share: float = Field(0.1, gt=0, le=1)
    # Smallest ML size multiplier (R1: conviction × expected calm, clipped).
    size_floor: float = Field(0.25, gt=0, le=1)
    # Largest ML size multiplier (R1).
    size_cap: float = Field(1.5, ge=1, le=5)
    # Tightest ML stop multiplier (R3: predicted over realised volatility, clipped).
    stop_low: float = Field(0.75, gt=0, le=1)
    # Widest ML stop multiplier (R3).
    stop_high: float = Field(2.0, ge=1, le=10)
    # X-ray cycles between retrainings of the isolation-forest anomaly detector (A2).
    anomaly_refit_cycles: int = Field(24, ge=1)


class OptimizeSettings(FrozenModel):
    """Genetic optimisation of strategy parameters (G7, S3, I2) and the evolution loop."""

    # Study storage URL; None = SQLite file optuna.db under app.data_dir. An async driver
    # URL (postgresql+asyncpg, sqlite+aiosqlite) is converted to its sync twin.
    storage_url: str | None = None
    # Individuals per generation (NSGA-II population).
    population: int = Field(50, ge=2, le=10_000)
    # Generations per run.
    generations: int = Field(20, ge=1, le=10_000)
    # NSGA-II crossover probability.
    crossover_prob: float = Field(0.9, ge=0, le=1)
    # Sampler seed (None = random); a fixed seed makes runs repeatable.
    seed: int | None = 42
    # Walk-forward: bars of each training window.
    train_bars: int = Field(1_500, ge=50)
    # Walk-forward: bars of each out-of-sample window.
    test_bars: int = Field(500, ge=20)
    # Walk-forward: number of folds (newest windows).
    folds: int = Field(3, ge=1, le=50)
    # Parameter sets with fewer trades per symbol than this score as losers.
    min_trades: float = Field(1.0, ge=0)
    # Lowest dynamic-threshold multiplier searched (1 = the strategy's own threshold).
    threshold_multiplier_low: float = Field(0.5, gt=0)
    # Highest dynamic-threshold multiplier searched.
    threshold_multiplier_high: float = Field(2.0, gt=0)
    # Evolution: a candidate must beat the current parameters' out-of-sample Sharpe by this.
    min_sharpe_gain: float = Field(0.1, ge=0)
    # Evolution: bars of the most recent unseen window used when no paper results exist.
    probation_bars: int = Field(500, ge=20)
