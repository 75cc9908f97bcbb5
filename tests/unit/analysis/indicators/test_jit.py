"""Stale numba caches are dropped when any kernel source changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from simbiot.analysis.indicators._jit import drop_stale_caches


def _package(root: Path) -> Path:
    pkg = root / "pkg"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "_k_a.py").write_text("x = 1\n")
    (pkg / "__pycache__" / "_k_a.f-1.py311.nbi").write_bytes(b"index")
    (pkg / "__pycache__" / "_k_a.f-1.py311.1.nbc").write_bytes(b"code")
    (pkg / "__pycache__" / "_k_a.cpython-311.pyc").write_bytes(b"pyc")
    return pkg


def test_caches_are_dropped_once_then_kept_until_a_source_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    pkg = _package(tmp_path)
    cache = pkg / "__pycache__"
    assert drop_stale_caches((pkg,)) is True
    assert not list(cache.glob("*.nb*"))
    assert (cache / "_k_a.cpython-311.pyc").exists()
    (cache / "_k_a.f-1.py311.nbi").write_bytes(b"rebuilt")
    assert drop_stale_caches((pkg,)) is False
    assert (cache / "_k_a.f-1.py311.nbi").exists()
    (pkg / "_k_b.py").write_text("y = 2\n")
    assert drop_stale_caches((pkg,)) is True
    assert not (cache / "_k_a.f-1.py311.nbi").exists()


def test_a_custom_cache_dir_is_left_to_numba(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    pkg = _package(tmp_path)
    assert drop_stale_caches((pkg,)) is False
    assert (pkg / "__pycache__" / "_k_a.f-1.py311.nbi").exists()


def test_a_package_without_cache_dir_gets_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    pkg = tmp_path / "bare"
    pkg.mkdir()
    (pkg / "m.py").write_text("z = 3\n")
    assert drop_stale_caches((pkg,)) is False
    assert (pkg / "__pycache__" / "simbiot-kernels.stamp").is_file()
