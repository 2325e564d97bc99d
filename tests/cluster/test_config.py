"""Cluster configuration: off by default, PostgreSQL only, settings validated and loaded, the
commands that need (or refuse) cluster mode, and one Celery app per config."""

from __future__ import annotations

from pathlib import Path

import pytest

from syndication import config as config_mod
from syndication.cli import main
from syndication.cluster.app import make_celery
from syndication.cluster.connections import transport_options
from syndication.config import ClusterSettings, Config
from syndication.errors import ConfigError

# --- configuration ----------------------------------------------------------------------


def _load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return config_mod.load(path)


def test_cluster_is_off_by_default(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "")
    assert cfg.cluster == ClusterSettings()
    assert cfg.cluster.enabled is False


def test_cluster_mode_refuses_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, '[storage]\nurl = "sqlite:///x.db"\n[cluster]\nenabled = true\n')
    assert err.value.key == "cluster.enabled"
    assert "PostgreSQL" in str(err.value)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("task_time_limit = 600\nvisibility_timeout = 300", "cluster.task_time_limit"),
        ('broker_url = "http://x/"', "cluster.broker_url"),
        ('broker_url = "amqp://guest@mq//"', "cluster.redis_url"),
        ('queue = "Bad Queue"', "cluster.queue"),
        ("host_rate_limit = -1", "cluster.host_rate_limit"),
        ("workers = 3", "cluster.workers"),
    ],
)
def test_cluster_settings_are_validated(tmp_path: Path, table: str, key: str) -> None:
    text = f'[storage]\nurl = "postgresql://u@h/db"\n[cluster]\nenabled = true\n{table}\n'
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, text)
    assert err.value.key == key


def test_cluster_settings_load(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        '[storage]\nurl = "postgresql://u@h/db"\n[cluster]\nenabled = true\n'
        'broker_url = "redis://r:6379/2"\nqueue = "news"\nhost_rate_limit = 0.5\n',
    )
    assert cfg.cluster.enabled and cfg.cluster.queue == "news"
    assert cfg.cluster.host_rate_limit == 0.5
    options = transport_options(cfg.cluster)
    assert options["global_keyprefix"] == "syndication:"
    assert options["visibility_timeout"] == cfg.cluster.visibility_timeout
    app = make_celery(cfg)
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert {"syndication.poll_partner", "syndication.publish"} <= set(app.tasks)


ONE_PARTNER = '[[partners]]\nid = "p"\nname = "p"\nfeed_url = "https://p.example/rss"\n'


def test_cli_refuses_cluster_commands_when_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text(ONE_PARTNER, encoding="utf-8")
    assert main(["scheduler", "--config", str(tmp_path / "config.toml")]) == 2
    assert "cluster.enabled" in capsys.readouterr().err


def test_run_daemon_refused_in_cluster_mode(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    text = f'[storage]\nurl = "{pg_url}"\n[cluster]\nenabled = true\n{ONE_PARTNER}'
    path.write_text(text, encoding="utf-8")
    assert main(["run", "--config", str(path)]) == 2
    assert "syndication scheduler" in capsys.readouterr().err


def test_two_apps_in_one_process_each_have_their_own_tasks(tmp_path: Path) -> None:
    # Celery shares a decorated task with every app by default; two apps (two configs) in
    # one process then register each name twice, which Celery 5.7 reports as an error.
    text = '[storage]\nurl = "postgresql://u@h/db"\n[cluster]\nenabled = true\n'
    first = make_celery(_load(tmp_path, text + 'queue = "a"\n'))
    second = make_celery(_load(tmp_path, text + 'queue = "b"\n'))
    for app in (first, second):
        assert {"syndication.poll_partner", "syndication.publish"} <= set(app.tasks)
    assert first.tasks["syndication.publish"] is not second.tasks["syndication.publish"]
