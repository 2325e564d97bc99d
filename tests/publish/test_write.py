"""publish.write: atomic replacement of a published file."""

from __future__ import annotations

from pathlib import Path

from syndication.publish.write import write_if_changed


def test_atomic_replace_keeps_open_readers_whole_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "main.rss.xml"
    old = b"<rss>old</rss>" * 1000
    path.write_bytes(old)
    with path.open("rb") as reader:
        assert write_if_changed(path, b"<rss>new</rss>", feed_key="main") is True
        assert reader.read() == old  # the reader keeps the complete old file
    assert path.read_bytes() == b"<rss>new</rss>"
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.rss.xml"]
    assert write_if_changed(path, b"<rss>new</rss>", feed_key="main") is False
