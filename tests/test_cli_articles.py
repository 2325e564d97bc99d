"""`syndication articles …` as an editor runs it: real child processes on the shipped
demo (file: partners, SQLite), checked against the files they publish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest

from tests.support import ROOT
from tests.support.clirun import run_cli


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    shutil.copytree(ROOT / "demo", tmp_path / "demo")
    monkeypatch.setenv("USER", "amira")
    done = run_cli("run", "--once", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


def listing(demo: Path, *args: str) -> list[list[str]]:
    done = run_cli("articles", "list", *args, cwd=demo)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:5] == ["ID", "PUBLISHED", "PARTNER", "STATE", "REV"]
    return [line.split(maxsplit=6) for line in lines[1:]]


def everywhere(demo: Path, text: str) -> list[str]:
    """The feed files (every format) that contain `text`."""
    return sorted(
        p.name
        for p in (demo / "feeds").iterdir()
        if p.suffix in (".xml", ".json") and text in p.read_text("utf-8")
    )


def test_kill_history_unkill_from_the_command_line(demo: Path) -> None:
    rows = listing(demo)
    assert len(rows) == 12
    victim = rows[0]
    victim_id, title = victim[0], victim[6]
    assert victim[4] in ("live", "urgent") and victim[5] == "1"
    carrying = everywhere(demo, title)
    assert {"main.rss.xml", "main.atom.xml", "main.json"} <= set(carrying)

    done = run_cli("articles", "kill", victim_id[:8], "--reason", "نشر بالخطأ", cwd=demo)
    assert done.returncode == 0, done.stderr
    assert f"{victim_id}: killed" in done.stdout and "published" in done.stdout
    assert everywhere(demo, title) == []
    assert len(feedparser.parse((demo / "feeds/main.atom.xml").read_bytes()).entries) == 11
    assert listing(demo)[0][4].startswith("killed")

    # A new cron run: the partner still lists it; it stays out.
    assert run_cli("run", "--once", "--force", cwd=demo).returncode == 0
    assert everywhere(demo, title) == []

    assert run_cli("articles", "unkill", victim_id, cwd=demo).returncode == 0
    assert everywhere(demo, title) == carrying

    history = run_cli("articles", "history", victim_id, cwd=demo)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[0] == victim_id
    assert lines[1].split() == ["WHEN", "WHO", "ACTION", "DETAIL"]
    assert [line.split()[2:4] for line in lines[2:]] == [["amira", "kill"], ["amira", "unkill"]]
    assert "نشر بالخطأ" in lines[2]


def test_urgent_override_and_embargo_from_the_command_line(demo: Path) -> None:
    rows = listing(demo)
    target_id, title = rows[3][0], rows[3][6]
    assert run_cli("articles", "urgent", target_id, "on", cwd=demo).returncode == 0
    main = json.loads((demo / "feeds/main.json").read_text("utf-8"))
    [item] = [i for i in main["items"] if i["title"] == title]
    assert "عاجل" in item["tags"]
    assert any(r[0] == target_id for r in listing(demo, "--urgent"))

    done = run_cli("articles", "embargo", target_id, "2h", cwd=demo)
    assert done.returncode == 0, done.stderr
    assert "embargoed until" in done.stdout
    assert everywhere(demo, title) == []
    assert any(r[0] == target_id and r[4].startswith("embargo") for r in listing(demo))
    assert run_cli("articles", "embargo", target_id, "none", cwd=demo).returncode == 0
    assert "main.rss.xml" in everywhere(demo, title)


def test_bad_ids_and_times_exit_2_with_what_to_do(demo: Path) -> None:
    done = run_cli("articles", "kill", "ffffffffffff", "--reason", "x", cwd=demo)
    assert done.returncode == 2
    assert "no stored article has the id 'ffffffffffff'" in done.stderr
    assert "articles list" in done.stderr
    some_id = listing(demo)[0][0]
    done = run_cli("articles", "embargo", some_id, "2026-12-05T14:00", cwd=demo)
    assert done.returncode == 2 and "has no time zone" in done.stderr
    done = run_cli("articles", "list", "--since", "yesterday", cwd=demo)
    assert done.returncode == 2 and "is not a time" in done.stderr
    done = run_cli("articles", "kill", some_id, cwd=demo)
    assert done.returncode == 2 and "--reason" in done.stderr
