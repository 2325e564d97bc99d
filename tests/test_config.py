"""config.toml validation: every bad file beside the exact message it must produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from syndication.config import ENV_STORAGE, load
from syndication.errors import ConfigError
from tests.support.clirun import run_cli

CONFIGS = Path(__file__).parent / "data" / "configs"
BAD = sorted(CONFIGS.glob("bad-*.toml"))
ROOT = Path(__file__).resolve().parent.parent


def test_good_config_loads_into_frozen_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_STORAGE, raising=False)
    cfg = load(CONFIGS / "good.toml")
    assert [p.id for p in cfg.partners] == ["alpha", "beta"]
    alpha = cfg.partners[0]
    assert alpha.interval == 120 and alpha.timezone == "Africa/Cairo"
    assert alpha.rules.title == "h1.headline" and alpha.rules.drop == (".share", ".related")
    assert alpha.category_map == (("شؤون سياسية", "سياسة"),)
    assert alpha.urgent_categories == ("أخبار عاجلة",)
    # partner fetch settings inherit [fetch] and override what they name
    assert alpha.fetch.max_per_host == 1 and alpha.fetch.allow_private_networks is True
    assert cfg.partners[1].enabled is False
    assert cfg.publish.base_url == "http://127.0.0.1:8080/"
    # relative paths follow the config file, not the working directory
    assert cfg.publish.out_dir == str(CONFIGS / "out")
    assert cfg.storage_url == f"sqlite:///{CONFIGS.resolve() / 'store.db'}"
    assert cfg.feeds[1].formats == ("rss", "atom") and cfg.feeds[1].value == "beta"
    assert cfg.categories[0].slug == "politics"
    with pytest.raises(AttributeError):
        cfg.partners[0].id = "x"  # type: ignore[misc]


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_config_message(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").strip()
    monkeypatch.chdir(ROOT)  # messages name the file as the operator typed it
    with pytest.raises(ConfigError) as info:
        load(path.relative_to(ROOT))
    message = str(info.value)
    assert message.endswith(expected), message
    assert message.startswith("tests/data/configs/" + path.name)


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path / "nope.toml")
    assert "file not found" in str(info.value)
    assert "--config" in str(info.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes('[publish]\ntitle = "أخبار"\n'.encode("cp1256"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load(path)


def test_storage_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_STORAGE, "postgresql://u@db.example/news")
    cfg = load(CONFIGS / "good.toml")
    assert cfg.storage_url == "postgresql+psycopg://u@db.example/news"


def test_token_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[serve.tokens]\nplatform = "env:PLATFORM_TOKEN"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="PLATFORM_TOKEN is not set"):
        load(path)
    monkeypatch.setenv("PLATFORM_TOKEN", "s3cret-s3cret-s3cret")
    assert load(path).serve.tokens == (("platform", "s3cret-s3cret-s3cret"),)


def test_shipped_config_is_valid() -> None:
    cfg = load(ROOT / "config.toml")
    assert cfg.partners, "the shipped config must name the demo partners"
    assert all(p.feed_url.startswith("file:") for p in cfg.partners)
    assert {f.kind for f in cfg.feeds} >= {"main", "urgent"}


def test_check_config_cli_exit_codes() -> None:
    ok = run_cli("check-config", "--config", "tests/data/configs/good.toml")
    assert ok.returncode == 0, ok.stderr
    assert "partners    2 (1 enabled)" in ok.stdout
    bad = run_cli("check-config", "--config", "tests/data/configs/bad-interval.toml")
    assert bad.returncode == 2
    assert "bad-interval.toml: partners[0].interval: 1 is out of range" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("-1", "-1 is not a positive number of hours"),
        ("nan", "nan is not a positive number of hours"),
        ("inf", "inf is not a positive number of hours"),
        ("100000", "100000 is not a positive number of hours"),
        ('"48"', "expected a number, got a string"),
        ("true", "expected a number, got a boolean"),
    ],
)
def test_max_item_age_must_be_a_positive_number_of_hours(
    tmp_path: Path, value: str, problem: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        f'[[feeds]]\nkey = "main"\ntitle = "ر"\nkind = "main"\nmax_item_age = {value}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load(path)
    assert f"feeds[0].max_item_age: {problem}" in str(info.value)


@pytest.mark.parametrize(
    ("out_dir", "private_dir", "problem"),
    [
        ("feeds", "feeds", "inside the public directory"),
        ("feeds", "feeds/../feeds/x", "inside the public directory"),
        ("feeds/public", "feeds", "the public directory would be inside the private one"),
        ("feeds", "", "must not be empty"),
    ],
)
def test_private_dir_must_stay_apart_from_the_public_one(
    tmp_path: Path, out_dir: str, private_dir: str, problem: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        f'[publish]\nout_dir = "{out_dir}"\nprivate_dir = "{private_dir}"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load(path)
    assert "publish.private_dir" in str(info.value) and problem in str(info.value)


def test_private_dir_is_relative_to_the_config_file() -> None:
    cfg = load(CONFIGS / "good.toml")
    assert cfg.publish.private_dir == str(CONFIGS / "feeds-private")
