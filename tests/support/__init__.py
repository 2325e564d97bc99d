"""What the tests share besides fixtures: test servers, the partner simulator, factories.

The benchmarks import from here too (never the other way round), so everything here runs
from the checkout root as ``python -m tests.support.<module>`` or is imported as
``tests.support.<module>``.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
DATA = ROOT / "tests" / "data"  # golden files, corpora, configs
