"""Immutable typed values and the error tree. Imports nothing else from Simbiot."""
