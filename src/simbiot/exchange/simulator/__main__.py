"""``python -m simbiot.exchange.simulator``: the same options as ``simbiot sim serve``."""

from __future__ import annotations

from simbiot.cli.sim_cmd import standalone

if __name__ == "__main__":
    standalone()
