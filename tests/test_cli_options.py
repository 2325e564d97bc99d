"""Global options (--config, --log-format, -v/--verbose) work before and after the command.

The whole matrix (every command × every option × every position) runs in-process through
`cli.main`, pointed at a config file that does not exist: each command stops at once with
exit 2, and what it did on the way shows which values it got (the file the error names,
the root logger's level and line format). One real subprocess per option checks the
effect an operator sees.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from syndication.cli import main
from tests.support import ROOT
from tests.support.clirun import COMMANDS, run_cli

OPTIONS = ["--config", "--log-format", "-v", "--verbose"]


def _placements(command: tuple[str, ...]) -> list[str]:
    # `partners ACTION` has a third place: between the group and the action.
    return ["before", "after", "between"] if command[0] == "partners" else ["before", "after"]


CASES = [
    pytest.param(command, option, where, id=f"{'-'.join(command)}|{option}|{where}")
    for command in COMMANDS
    for option in OPTIONS
    for where in _placements(command)
]


def _argv(command: tuple[str, ...], option: list[str], where: str) -> list[str]:
    if where == "before":
        return [*option, *command]
    if where == "between":
        return [command[0], *option, *command[1:]]
    return [*command, *option]


@pytest.mark.parametrize(("command", "option", "where"), CASES)
def test_global_option_in_any_position(
    command: tuple[str, ...],
    option: str,
    where: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./config.toml: the default would fail differently
    monkeypatch.delenv("SYNDICATION_CONFIG", raising=False)
    chosen = tmp_path / "chosen" / "picked.toml"
    values = {
        "--config": ["--config", str(chosen)],
        "--log-format": ["--log-format", "json"],
        "-v": ["-v"],
        "--verbose": ["--verbose"],
    }[option]
    code = main(_argv(command, values, where))
    err = capsys.readouterr().err
    assert code == 2, err
    root = logging.getLogger()
    if option == "--config":
        assert f"{chosen}: file not found" in err
    else:
        assert "config.toml: file not found" in err or command[0] == "scrape", err
    if option in ("-v", "--verbose"):
        assert root.level == logging.DEBUG
    else:
        assert root.level == logging.INFO
    record = logging.LogRecord("syndication", logging.INFO, __file__, 1, "hello", None, None)
    line = root.handlers[0].format(record)
    if option == "--log-format":
        assert json.loads(line)["message"] == "hello"
    else:
        assert not line.startswith("{") and line.endswith("hello")


def test_an_option_given_twice_takes_the_one_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    assert main(["--config", str(first), "check-config", "--config", str(second)]) == 2
    assert f"{second}: file not found" in capsys.readouterr().err


# --- as an operator runs it --------------------------------------------------------------


@pytest.fixture
def two_configs(tmp_path: Path) -> Path:
    """A decoy ./config.toml in the working directory and the demo config in other/."""
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(ROOT / "config.toml", other / "config.toml")
    shutil.copytree(ROOT / "demo", other / "demo")
    (tmp_path / "config.toml").write_text(
        '[[partners]]\nid = "decoy"\nname = "decoy"\nfeed_url = "https://decoy.example/rss"\n',
        encoding="utf-8",
    )
    return tmp_path


def test_config_before_the_command_is_the_file_used(two_configs: Path) -> None:
    done = run_cli("--config", "other/config.toml", "partners", "list", cwd=two_configs)
    assert done.returncode == 0, done.stderr
    ids = [line.split()[0] for line in done.stdout.splitlines()[1:]]
    assert ids == ["nile-post", "levant-daily", "maghreb-wire"]


def test_log_format_before_the_command_gives_json_lines(two_configs: Path) -> None:
    done = run_cli(
        "--log-format",
        "json",
        "ingest",
        "--partner",
        "nile-post",
        "--config",
        "other/config.toml",
        cwd=two_configs,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines, "ingest logs one line per partner"
    records = [json.loads(line) for line in lines]
    assert any(r.get("partner") == "nile-post" and r.get("status") == "ok" for r in records)
