"""`make bench`: rendering, serving, clients, memory, conformance and market data, each judged
against a baseline.

Run with `python -m tests.bench` from the repository root. Every figure is a median over repeated
runs or a ratio against a baseline measured in the same run: the machine is shared and noisy, so
no absolute time is asserted anywhere. The modules are plain scripts (`bench_*.py`); pytest
collects nothing here, and `tests/bench_smoke/` runs each one at a tiny scale so they cannot rot.
"""

from ._common import FULL, SMOKE, Scale
from ._report import Report, Result

__all__ = ["FULL", "SMOKE", "Report", "Result", "Scale"]
