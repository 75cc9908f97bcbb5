from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from typer.testing import CliRunner

from simbiot.cli import strategies_cmd
from simbiot.cli.context import CliContext

SHIPPED = Path(__file__).resolve().parents[3] / "config" / "strategies"


def _app() -> typer.Typer:
    app = typer.Typer()
    strategies_cmd.register(app)
    return app


def test_list_shows_builtins_and_rule_files() -> None:
    result = CliRunner().invoke(
        _app(), ["strategies", "list", "--rules-dir", str(SHIPPED), "--json"]
    )
    assert result.exit_code == 0, result.output
    docs = {d["name"]: d for d in json.loads(result.stdout)}
    assert docs["trend_ema_adx"]["kind"] == "built-in"
    assert docs["rsi_dip"]["kind"] == "rule"
    assert docs["trend_ema_adx"]["params"]["fast"] == {
        "kind": "int", "default": 12, "low": 3, "high": 50, "step": 1, "doc": "fast EMA period (bars)",
    }  # fmt: skip
    table = CliRunner().invoke(_app(), ["strategies", "list", "--rules-dir", str(SHIPPED)])
    assert table.exit_code == 0
    assert "volatility_squeeze" in table.stdout


def test_show_prints_parameters_and_indicators() -> None:
    result = CliRunner().invoke(
        _app(), ["strategies", "show", "rsi_dip", "-r", str(SHIPPED), "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert "rsi(14)" in doc["indicators"]
    assert doc["source"].endswith("rsi_dip.yaml")
    text = CliRunner().invoke(_app(), ["strategies", "show", "mean_reversion"])
    assert text.exit_code == 0
    assert "bb_k" in text.stdout
    missing = CliRunner().invoke(_app(), ["strategies", "show", "nope"])
    assert missing.exit_code == 1
    assert "unknown strategy 'nope'" in missing.output


def test_validate_reports_file_and_line_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nparams:\n  n: {default: 5, low: 9, high: 1}\nentry:\n  lt: [rsy, 3]\n"
    )
    result = CliRunner().invoke(_app(), ["strategies", "validate", str(bad)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"{bad}:3: parameter 'n': impossible range: low 9 > high 1" in lines
    assert any(line.startswith(f"{bad}:5: unknown indicator") for line in lines)


def test_validate_accepts_good_files_and_directories(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["strategies", "validate", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ok"
    (tmp_path / "a.yaml").write_text("name: same\nentry: {gt: [close, 1]}\n")
    (tmp_path / "b.yaml").write_text("name: same\nentry: {gt: [close, 2]}\n")
    dup = CliRunner().invoke(
        _app(), ["strategies", "validate", str(tmp_path), str(tmp_path / "zz.yaml")]
    )
    assert dup.exit_code == 1
    assert "already used by" in dup.stdout
    assert "cannot read the file" in dup.stdout


def test_rules_dir_comes_from_the_configuration(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text("name: mine\nentry: {gt: [close, 1]}\n")
    config = tmp_path / "simbiot.yaml"
    config.write_text(f"signals:\n  rules_dir: {rules}\n")
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = CliContext(config, tmp_path / ".env", Console(), Console(stderr=True))

    strategies_cmd.register(app)
    result = CliRunner().invoke(app, ["strategies", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert "mine" in {d["name"] for d in json.loads(result.stdout)}
