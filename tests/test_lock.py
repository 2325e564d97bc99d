"""lock: one run at a time per store, with a real flock, a real child process and SIGKILL."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from syndication.errors import LockError
from syndication.lock import lock_path, run_lock
from tests.support.factories import build_config

# A child that takes the lock on a store, says so, and holds it until its stdin closes.
HOLDER = """
import sys
from syndication.config import load
from syndication.lock import run_lock
with run_lock(load(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_the_lock_of_a_sqlite_store_sits_beside_the_database(tmp_path: Path) -> None:
    config = build_config(tmp_path, storage_url=f"sqlite:///{tmp_path / 'db' / 'store.db'}")
    assert lock_path(config) == tmp_path / "db" / "store.db.lock"


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://postgres@127.0.0.1:5432/test", "sqlite:///:memory:"]
)
def test_a_server_or_memory_store_locks_in_the_feeds_directory(tmp_path: Path, url: str) -> None:
    config = build_config(tmp_path, storage_url=url)
    assert lock_path(config) == Path(config.publish.out_dir) / ".syndication.lock"


def test_a_second_holder_is_refused_and_told_who_holds_it(tmp_path: Path) -> None:
    config = build_config(tmp_path)
    with run_lock(config) as path:
        assert path.read_text() == str(os.getpid())
        with pytest.raises(LockError, match=rf"\(pid {os.getpid()}\) is running") as info:
            with run_lock(config):
                pass
        assert info.value.hint and "cron" in info.value.hint
    with run_lock(config):  # released on exit
        pass


def test_a_lock_on_another_store_is_independent(tmp_path: Path) -> None:
    first = build_config(tmp_path)
    second = dataclasses.replace(first, storage_url=f"sqlite:///{tmp_path / 'other.db'}")
    with run_lock(first), run_lock(second):
        pass


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "store.db"}"\n', encoding="utf-8"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "config.toml")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "locked\n"
        config = build_config(tmp_path)
        with pytest.raises(LockError, match=rf"\(pid {child.pid}\)"):
            with run_lock(config):
                pass
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        with run_lock(config) as path:  # the kernel dropped it with the process
            assert path.read_text() == str(os.getpid())
    finally:
        child.kill()
        child.wait(timeout=30)
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()


def test_a_lock_file_that_cannot_be_created_is_a_lock_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    config = build_config(tmp_path, storage_url=f"sqlite:///{blocker / 'store.db'}")
    with pytest.raises(LockError, match="cannot create the lock file") as info:
        with run_lock(config):
            pass
    assert info.value.hint and "writable" in info.value.hint
