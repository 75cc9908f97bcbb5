"""Detectors (A4, A5): per-symbol verdicts over the whole frame behind one protocol."""

from simbiot.analysis.detectors.base import Detector, DetectorResult, FeatureView
from simbiot.analysis.detectors.patterns import PatternDetector
from simbiot.analysis.detectors.trend import TrendDetector

__all__ = ["Detector", "DetectorResult", "FeatureView", "PatternDetector", "TrendDetector"]
