"""The FeedServer (serve/__init__): port handling, clean exit on SIGTERM, config replacement."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from syndication.serve import create_server
from tests.support import ROOT
from tests.support.factories import FEEDS, JSONFEED, make_serve_config, raw, start


def test_close_releases_the_port(tmp_path: Path, feeds: Path) -> None:
    s = start(make_serve_config(tmp_path))
    assert raw(s, "/")[0] == 200
    s.close()
    with pytest.raises(OSError):
        raw(s, "/")


def test_close_without_a_wakeup_pipe_still_stops_the_loop(tmp_path: Path, feeds: Path) -> None:
    """The loop is normally told to close through its wake-up pipe; if that pipe is gone,
    close() must still end the loop and release the port instead of raising."""
    s = start(make_serve_config(tmp_path))
    assert raw(s, "/")[0] == 200
    os.close(s._trigger.trigger)  # the pipe's write end, as a stray close would leave it
    s.close()
    assert s._thread is not None and not s._thread.is_alive()
    with pytest.raises(OSError):
        raw(s, "/")


def test_serve_exits_cleanly_on_sigterm(tmp_path: Path, feeds: Path) -> None:
    config = make_serve_config(tmp_path)
    code = (
        "import logging, sys\n"
        "from syndication.config import *\n"
        "from syndication.model import *\n"
        "from syndication.serve import serve\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stderr, format='%(message)s')\n"
        f"serve({config!r}, '127.0.0.1', 0)\n"
        "print('clean exit', flush=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        url = ""
        for line in proc.stderr:  # blocks until the server logs where it listens
            if line.startswith("serving "):
                url = line.rsplit(" on ", 1)[1].strip()
                break
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "main.json", timeout=10).content == JSONFEED
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert "clean exit" in out


def test_replace_config_keeps_working(tmp_path: Path, feeds: Path) -> None:
    # Feeds marked private later are closed at once after a restart with the new config.
    config = make_serve_config(tmp_path)
    private_main = replace(config, feeds=(replace(FEEDS[0], private=True), *FEEDS[1:]))
    with start(private_main) as s:
        assert raw(s, "/main.rss.xml")[0] == 401
        assert raw(s, "/main.atom.xml")[0] == 401
        assert raw(s, "/urgent.rss.xml")[0] == 200


def test_port_in_use_is_a_config_error(tmp_path: Path, feeds: Path) -> None:
    from syndication.errors import ConfigError

    config = make_serve_config(tmp_path)
    with start(config) as s, pytest.raises(ConfigError) as info:
        create_server(config, "127.0.0.1", s.port)
    message = str(info.value)
    assert f"cannot listen on 127.0.0.1:{s.port}" in message
    assert "serve.port" in message and "config.toml" in message
