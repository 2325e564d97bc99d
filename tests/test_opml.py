"""OPML import/export round trip through the CLI, and hostile OPML refused cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syndication.config import load
from syndication.errors import ConfigError
from syndication.opml import partners_from_opml

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>شركاء</title></head><body>
<outline text="أخبار" title="أخبار">
  <outline type="rss" text="وكالة الأنباء" xmlUrl="https://agency.example/rss.xml" htmlUrl="https://agency.example/"/>
  <outline type="rss" text="Daily &quot;News&quot;" xmlUrl="https://daily.example/feed"/>
  <outline type="rss" text="مكرر" xmlUrl="https://agency.example/rss.xml"/>
</outline></body></opml>
"""


def test_import_gives_unique_safe_ids(tmp_path: Path) -> None:
    path = tmp_path / "p.opml"
    path.write_text(OPML, encoding="utf-8")
    found = partners_from_opml(path)
    assert [p["feed_url"] for p in found] == [
        "https://agency.example/rss.xml",
        "https://daily.example/feed",
    ]
    assert len({p["id"] for p in found}) == 2
    assert found[0]["name"] == "وكالة الأنباء" and found[0]["site_url"] == "https://agency.example/"


def test_import_write_then_export_round_trip(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[publish]\ntitle = "t"\n', encoding="utf-8")
    opml = tmp_path / "p.opml"
    opml.write_text(OPML, encoding="utf-8")
    run = [sys.executable, "-m", "syndication"]
    done = subprocess.run(
        [*run, "partners", "import-opml", str(opml), "--write", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    cfg = load(config)
    assert len(cfg.partners) == 2
    exported = subprocess.run(
        [*run, "partners", "export-opml", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert exported.returncode == 0
    path = tmp_path / "again.opml"
    path.write_text(exported.stdout, encoding="utf-8")
    assert [p["feed_url"] for p in partners_from_opml(path)] == [p.feed_url for p in cfg.partners]
    assert [p["name"] for p in partners_from_opml(path)] == ["وكالة الأنباء", 'Daily "News"']


@pytest.mark.parametrize(
    "text",
    [
        "<opml><body><outline xmlUrl='x'",  # truncated
        "<rss/>",  # not OPML
        '<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<opml><body><outline xmlUrl='https://x.example/&b;'/></body></opml>",
    ],
)
def test_hostile_opml(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.opml"
    path.write_text(text, encoding="utf-8")
    try:
        found = partners_from_opml(path)
    except ConfigError as e:
        assert str(path) in str(e)
    else:  # entities are not expanded
        assert all("aaaaaaaaaa" not in p["feed_url"] for p in found)
