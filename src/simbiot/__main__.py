"""``python -m simbiot``: the command line."""

from simbiot.cli import main

main()
