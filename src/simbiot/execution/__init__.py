"""Execution: order state machine, paper and live executors, reconciliation, monitor, trader."""
