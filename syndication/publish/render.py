"""RSS 2.0 and Atom 1.0 bytes for one feed."""

from __future__ import annotations

from syndication.publish.history import History
from syndication.publish.reference import render_atom, render_rss

__all__ = ["History", "render_atom", "render_rss"]
