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


MIXED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>شركاء</title></head><body>
  <outline type="rss" text="وكالة" xmlUrl="https://agency.example/rss.xml"/>
  <outline type="rss" text="Old FTP drop" xmlUrl="ftp://files.example/feed.xml"/>
  <outline type="rss" text="Local file" xmlUrl="file:drop/feed.xml"/>
</body></opml>
"""


def test_dry_run_and_write_give_the_same_verdict(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[partners]]\nid = "first"\nname = "أول"\nfeed_url = "https://first.example/rss"\n',
        encoding="utf-8",
    )
    opml = tmp_path / "p.opml"
    opml.write_text(MIXED, encoding="utf-8")
    run = [sys.executable, "-m", "syndication", "partners", "import-opml", str(opml)]

    def cli(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*run, *extra, "--config", str(config)], capture_output=True, text=True, timeout=60
        )

    dry = cli()
    refused = [line for line in dry.stderr.splitlines() if "not importable" in line]
    assert refused == [
        f"{opml}: outline 'Old FTP drop' (ftp://files.example/feed.xml) not importable: "
        "not an http(s) or file: URL: 'ftp://files.example/feed.xml'",
        f"{opml}: outline 'Local file' (file:drop/feed.xml) not importable: "
        "file: URLs are disabled (set allow_file_urls = true in [fetch] "
        "or this partner's [partners.fetch])",
    ], dry.stderr
    assert "https://agency.example/rss.xml" in dry.stdout
    assert "ftp://" not in dry.stdout and "file:" not in dry.stdout
    assert "1 partner importable, 2 outlines not" in dry.stderr
    assert dry.returncode == 1
    assert len(load(config).partners) == 1  # a dry run writes nothing

    written = cli("--write")
    assert [line for line in written.stderr.splitlines() if "not importable" in line] == refused
    assert written.returncode == dry.returncode, written.stderr
    assert f"added 1 partner to {config}" in written.stdout
    assert [p.feed_url for p in load(config).partners] == [
        "https://first.example/rss",
        "https://agency.example/rss.xml",
    ]


def test_nothing_importable_is_an_error_in_both_modes(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")  # a new installation: partners come from OPML
    opml = tmp_path / "p.opml"
    opml.write_text(MIXED.replace("https://agency.example/rss.xml", "gopher://x.example/"))
    base = [sys.executable, "-m", "syndication", "partners", "import-opml", str(opml)]
    for extra in ([], ["--write"]):
        done = subprocess.run(
            [*base, *extra, "--config", str(config)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, done.stderr
        assert f"{opml}: no importable outlines (3 not importable, see above)" in done.stderr
    assert config.read_text(encoding="utf-8") == ""
