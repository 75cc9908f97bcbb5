"""Genetic optimisation of strategy parameters (G7, S3, I2): optuna's NSGA-II over a
strategy's declared ranges, fitness from walk-forward backtests on the fast path, studies
stored in the database so runs resume and many workers share one study."""
