"""`python -m syndication` → the command line."""

from .cli import main

raise SystemExit(main())
