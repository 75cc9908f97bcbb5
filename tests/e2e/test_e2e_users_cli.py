"""``simbiot users`` and ``simbiot serve jobs`` as a deployment uses them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if not k.startswith("SIMBIOT_")}


def _run(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simbiot", *args],
        cwd=cwd,
        env={**ENV, "COLUMNS": "160"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_first_administrator_is_made_from_the_command_line(tmp_path: Path) -> None:
    made = _run(
        ["users", "create", "Boss@Example.com", "--admin", "--password-stdin"],
        tmp_path,
        "Admin-pass-2026\n",
    )
    assert made.returncode == 0, made.stderr
    assert "created admin boss@example.com" in made.stdout
    again = _run(
        ["users", "create", "boss@example.com", "--password-stdin"], tmp_path, "Other-pass-2026\n"
    )
    assert again.returncode == 1
    assert "already registered" in again.stderr
    listed = _run(["users", "list"], tmp_path)
    assert "boss@example.com" in listed.stdout
    assert "admin" in listed.stdout


def test_weak_passwords_and_bad_emails_are_refused(tmp_path: Path) -> None:
    weak = _run(["users", "create", "a@example.com", "--password-stdin"], tmp_path, "short\n")
    assert weak.returncode == 1
    assert "10 to 256 characters" in weak.stderr
    bad = _run(
        ["users", "create", "not-an-email", "--password-stdin"], tmp_path, "Good-pass-2026\n"
    )
    assert bad.returncode == 1
    listed = _run(["users", "list"], tmp_path)
    assert listed.stdout.strip() == ""


def test_roles_change_and_unknown_users_are_clear_errors(tmp_path: Path) -> None:
    assert (
        _run(
            ["users", "create", "u@example.com", "--password-stdin"], tmp_path, "User-pass-2026\n"
        ).returncode
        == 0
    )
    promoted = _run(["users", "role", "u@example.com", "admin"], tmp_path)
    assert promoted.returncode == 0, promoted.stderr
    assert "is now admin" in promoted.stdout
    missing = _run(["users", "role", "ghost@example.com", "admin"], tmp_path)
    assert missing.returncode == 1
    assert "no user ghost@example.com" in missing.stderr
    wrong = _run(["users", "role", "u@example.com", "root"], tmp_path)
    assert wrong.returncode == 2


def test_job_workers_run_on_their_own_and_stop_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simbiot", "serve", "jobs", "--workers", "1"],
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(4)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "job workers: 1" in err
