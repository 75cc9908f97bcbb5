"""Self-learning: datasets without look-ahead, LightGBM training with purged CV, a model
registry, batched inference, quality monitoring and the retraining manager."""
