"""The benchmarks live in `tests/bench`, run as `python -m tests.bench` from the repository root."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# `python -m pytest` puts the root on the path already; the `pytest` script does not.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
