"""[stories] and [[feeds]] dedupe in config.toml: defaults, values, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from syndication.config import Config, load
from syndication.errors import ConfigError
from syndication.model import FeedSpec, StorySettings

PARTNER = """
[[partners]]
id = "afp"
name = "أ ف ب"
feed_url = "https://afp.example.com/rss"
"""


def test_defaults_and_values(tmp_path: Path) -> None:
    cfg = load_config(tmp_path, "")
    assert cfg.stories == StorySettings(window=48.0, threshold=0.4, enabled=True)
    cfg = load_config(
        tmp_path,
        '[stories]\nwindow = 24\nthreshold = 0.5\n[[feeds]]\nkey = "all"\ntitle = "الكل"\n'
        'kind = "main"\ndedupe = "none"\n',
    )
    assert cfg.stories == StorySettings(window=24.0, threshold=0.5)
    assert cfg.feeds[0].dedupe == "none" and not cfg.feeds[0].deduplicated


def test_dedupe_defaults_by_kind() -> None:
    assert FeedSpec(key="m", title="t", kind="main").deduplicated
    assert FeedSpec(key="c", title="t", kind="category", value="x").deduplicated
    assert not FeedSpec(key="p", title="t", kind="partner", value="afp").deduplicated
    assert FeedSpec(key="p", title="t", kind="partner", value="afp", dedupe="cluster").deduplicated


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[stories]\nthreshold = 1.5\n", "stories.threshold: 1.5 is out of range"),
        ("[stories]\nwindow = 0\n", "stories.window: 0.0 is out of range"),
        ("[stories]\nwindows = 3\n", "stories"),
        (
            '[[feeds]]\nkey = "all"\ntitle = "t"\nkind = "main"\ndedupe = "story"\n',
            "feeds[0].dedupe: 'story' is not one of cluster, none",
        ),
    ],
)
def test_bad_values_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(tmp_path, text)


def load_config(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text + PARTNER, encoding="utf-8")
    return load(path)
