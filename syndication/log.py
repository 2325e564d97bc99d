"""Logging setup: plain lines for people, JSON lines for log shippers.

Records carry `partner` (and `article` where known) through `extra=`; both formatters show
them, so a line about one partner can always be traced back to it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Literal

LogFormat = Literal["text", "json"]
_CONTEXT = ("partner", "article", "feed", "status", "new", "updated", "unchanged", "duration")


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        partner = getattr(record, "partner", None)
        return f"[{partner}] {line}" if partner and f"partner {partner}" not in line else line


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup(fmt: LogFormat = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter (connection pools, scheduler internals) drowns the per-partner lines.
    for noisy in ("urllib3", "apscheduler", "waitress", "alembic"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
