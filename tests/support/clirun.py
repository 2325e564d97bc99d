"""Run the `syndication` command in a child process, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from syndication.config import ENV_STORAGE
from tests.support import ROOT

# Every command of the CLI, with the positional arguments it needs.
COMMANDS: list[tuple[str, ...]] = [
    ("run",),
    ("run", "--once"),
    ("ingest",),
    ("publish",),
    ("serve",),
    ("scheduler",),
    ("worker",),
    ("scrape", "page.html"),
    ("check-config",),
    ("partners", "list"),
    ("partners", "import-opml", "partners.opml"),
    ("partners", "export-opml"),
]


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # The environment's storage URL and config path would override what the test means.
    env = {k: v for k, v in os.environ.items() if k not in (ENV_STORAGE, "SYNDICATION_CONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "syndication", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
