"""syndication: the feed hub of an Arabic-language newsroom.

Public API (everything else is private and may change):

    load_config(path) -> Config
    open_store(url) -> Store
    run_ingest(config, store, ...) -> list[IngestReport]
    publish_all(config, store, ...) -> list[Published]
    scrape(page, url, rules, ...) -> Scraped
    the frozen model types and the exception hierarchy
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import Config as Config
from .config import load as load_config
from .errors import ConfigError as ConfigError
from .errors import FeedParseError as FeedParseError
from .errors import FetchError as FetchError
from .errors import LockError as LockError
from .errors import PartnerError as PartnerError
from .errors import PublishError as PublishError
from .errors import ScrapeError as ScrapeError
from .errors import StorageError as StorageError
from .errors import SyndicationError as SyndicationError
from .model import Article as Article
from .model import Block as Block
from .model import Category as Category
from .model import FeedItem as FeedItem
from .model import FeedSpec as FeedSpec
from .model import Fetched as Fetched
from .model import Image as Image
from .model import IngestReport as IngestReport
from .model import PartnerFeed as PartnerFeed
from .model import PartnerState as PartnerState
from .model import Published as Published
from .model import Scraped as Scraped
from .model import ScrapeRules as ScrapeRules

if TYPE_CHECKING:
    from .ingest import run_ingest as run_ingest
    from .publish import publish_all as publish_all
    from .scrape import scrape as scrape
    from .store import Store as Store
    from .store import open_store as open_store

# The pipeline stages pull in feedparser, lxml, SQLAlchemy…; importing them lazily keeps
# `syndication check-config` and `import syndication.model` cheap.
_LAZY = {
    "run_ingest": "ingest",
    "publish_all": "publish",
    "scrape": "scrape",
    "Store": "store",
    "open_store": "store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'syndication' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__version__ = "0.1.0"

__all__ = [
    "Article",
    "Block",
    "Category",
    "Config",
    "ConfigError",
    "FeedItem",
    "FeedParseError",
    "FeedSpec",
    "FetchError",
    "Fetched",
    "Image",
    "IngestReport",
    "LockError",
    "PartnerError",
    "PartnerFeed",
    "PartnerState",
    "PublishError",
    "Published",
    "ScrapeError",
    "ScrapeRules",
    "Scraped",
    "StorageError",
    "Store",
    "SyndicationError",
    "load_config",
    "open_store",
    "publish_all",
    "run_ingest",
    "scrape",
]
