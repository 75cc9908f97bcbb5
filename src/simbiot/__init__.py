"""Simbiot: a self-learning market X-ray and multi-user crypto trading platform."""

__version__ = "0.1.0"

__all__ = ["__version__"]
