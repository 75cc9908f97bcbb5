"""Self-learning: datasets without look-ahead, LightGBM training with purged CV, a model
registry, batched inference, quality monitoring, the retraining manager and the evolution
loop.

Wiring (the composition root builds these from ``LearningSettings``)::

    registry = ModelRegistry(models_dir, sessions)
    trainer = BackgroundTrainer()                      # spawned worker, one thread
    job = challenge_job(load_frame, DatasetCache(datasets_dir), spec, training, trainer,
                        settings.holdout_bars)
    manager = RetrainingManager("trend", registry, sessions, job, settings, clock)
    verdict = await manager.cycle(live_outcomes)       # none/bootstrap/promote/keep/rollback

    info, model = await registry.load("trend")          # the champion
    predictor = Predictor("trend", info.version, model, spec, cache=cache)
    batch = await predictor.predict(frame)              # every symbol, one call, cached
    entries = filter_entries(entries, batch.values[:, None], settings.filter_threshold)

The running system (``simbiot.services``): ``Learner`` runs one manager per model role
(``roles``: trend, potential, volatility) on a schedule, with live outcomes from closed
positions matched to the entries the filter recorded (``outcomes``); ``CyclePredictor``
predicts every champion once per X-ray frame for the detectors, the blacklist, the filter
and the risk multipliers.

Names come from the submodules (``simbiot.learning.registry`` …): this package imports
nothing itself, so the training worker process starts without the analysis stack.
"""
