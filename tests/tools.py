"""Programs from Debian that some tests need, installed by `make test`'s targets."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def missing(why: str) -> NoReturn:
    """A tool is missing: a failure under CI, where `make test` installs it; else a skip."""
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def installed(name: str, make_target: str) -> str:
    """The path of program `name` (looked for in /usr/sbin and /usr/bin too, which not every
    user's PATH has), or a failure or skip naming the `make` target that installs it."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path is None:
        missing(f"{name} is not installed: run `make {make_target}`")
    return path
