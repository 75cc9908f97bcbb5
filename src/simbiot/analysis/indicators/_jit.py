"""The one numba decorator every kernel uses: compiled once, cached on disk, strict IEEE maths.

Numba validates a cached kernel against its own source file only, so a kernel that
inlines a kernel from another module would keep a stale copy after that module changed.
On import, the kernels' cache files are therefore dropped whenever the sources of the
analysis kernels differ from those the cache was built from.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["kernel"]

_PACKAGES = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "features")
_STAMP = "simbiot-kernels.stamp"


def _fingerprint(packages: tuple[Path, ...]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for package in packages:
        for source in sorted(package.glob("*.py")):
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


def drop_stale_caches(packages: tuple[Path, ...] = _PACKAGES) -> bool:
    """Delete the packages' numba cache files if the kernel sources changed; True if dropped.

    Only numba's default location (``__pycache__`` beside the sources) is managed; an
    unwritable location is left to numba, which then caches elsewhere or not at all.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return False
    fingerprint = _fingerprint(packages)
    dropped = False
    for package in packages:
        cache = package / "__pycache__"
        stamp = cache / _STAMP
        try:
            if stamp.is_file() and stamp.read_text() == fingerprint:
                continue
            for pattern in ("*.nbi", "*.nbc"):
                for entry in cache.glob(pattern):
                    entry.unlink(missing_ok=True)
                    dropped = True
            cache.mkdir(exist_ok=True)
            stamp.write_text(fingerprint)
        except OSError:
            continue
    return dropped


def kernel(fn: F) -> F:
    """Compile ``fn`` in nopython mode with an on-disk cache and no fast-math.

    ``fastmath`` stays off because TA-Lib equality needs the exact IEEE operation order;
    no ``parallel``: the machines share two cores between many processes, so one thread
    per process is the measured best.
    """
    return cast(F, numba.njit(cache=True, fastmath=False, nogil=True)(fn))


drop_stale_caches()
