"""Run every benchmark module and print one JSON document of figures and ratios.

Usage: ``python -m bench [NAME ...] [--quick]``. Each ``bench/bench_<name>.py`` defines
``run(quick: bool) -> dict``; results land in ``bench/results/<name>.json`` too.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    here = Path(__file__).parent
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )
    if wanted:
        unknown = set(wanted) - set(names)
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(names)}")
            return 2
        names = [n for n in names if n in wanted]
    out_dir = here / "results"
    out_dir.mkdir(exist_ok=True)
    results: dict[str, Any] = {}
    failed = False
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        started = time.perf_counter()
        try:
            result = module.run(quick=quick)
        except Exception as exc:  # a broken benchmark must not hide the others' figures
            result = {"error": f"{type(exc).__name__}: {exc}"}
            failed = True
        result["wall_s"] = round(time.perf_counter() - started, 3)
        results[name] = result
        (out_dir / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
        print(json.dumps({name: result}, indent=2, default=str), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
