"""`syndication partners status` in a child process, on a newsroom with a quiet, a failing
and a badly scraped partner (tests/support/healthsim.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.clirun import run_cli
from tests.support.healthsim import build
from tests.support.httpsite import Site


def test_table_flags_the_quiet_and_the_failing(site: Site, tmp_path: Path) -> None:
    build(site, tmp_path)
    done = run_cli("partners", "status", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # something is flagged: cron can mail it
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert lines["PARTNER"].split()[:2] == ["PARTNER", "STATUS"]
    assert lines["sahel"].split()[1] == "QUIET"
    assert re.search(r" 7h0\dm ago ", lines["sahel"])  # its last new item
    assert lines["nour"].split()[1] == "FAILING"
    assert "6/5" in lines["nour"] and "FetchError (HTTP 500)" in lines["nour"]
    assert lines["raqim"].split()[1] == "POOR_PAGES"
    assert "100%/0% of 6" in lines["raqim"]
    assert lines["wafa"].split()[1] == "ok"
    assert done.stdout.rstrip().endswith(
        "3 of 4 partners flagged: sahel (quiet), nour (failing), raqim (poor_pages)"
    )


def test_json_and_one_partner(site: Site, tmp_path: Path) -> None:
    build(site, tmp_path)
    done = run_cli("partners", "status", "--json", "--partner", "wafa", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # wafa alone is fine
    doc = json.loads(done.stdout)
    assert doc["flagged"] == []
    (wafa,) = doc["partners"]
    assert wafa["status"] == "ok" and wafa["items_24h"] == 2 and wafa["items_7d"] == 8
    assert wafa["name"] == "وكالة وفا"
    assert wafa["last_new_item_at"].endswith("Z")
    everyone = json.loads(run_cli("partners", "status", "--json", cwd=tmp_path).stdout)
    flags = {p["partner_id"]: p["flags"] for p in everyone["partners"]}
    assert flags == {"wafa": [], "sahel": ["quiet"], "nour": ["failing"], "raqim": ["poor_pages"]}


def test_unknown_partner_is_refused(site: Site, tmp_path: Path) -> None:
    build(site, tmp_path)
    done = run_cli("partners", "status", "--partner", "nobody", cwd=tmp_path)
    assert done.returncode == 2
    assert "no partner with id 'nobody'" in done.stderr
