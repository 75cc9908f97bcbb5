"""Token X-ray: per-symbol metrics, anomaly detection, potential scores, the engine."""
