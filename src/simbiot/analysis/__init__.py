"""Market analysis on 2-D arrays (symbols × time): indicators, features, state and X-ray.

Pure numpy/numba code with no I/O; subpackages import only ``simbiot.domain``.
"""
