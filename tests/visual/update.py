"""Redraws the visual references on purpose: `make visual-update` (or `python -m
tests.visual.update [CASE ...]` for some of them). Look at the images before committing them."""

from __future__ import annotations

import sys

from tests.visual.cases import REFERENCES, cases, reference_path, render, save


def main(names: list[str]) -> int:
    grid = cases()
    unknown = set(names) - {case.name for case in grid}
    if unknown:
        print(f"unknown cases: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    chosen = [case for case in grid if not names or case.name in names]
    if not names:  # a full update also drops the references of cases that are gone
        kept = {reference_path(case) for case in grid}
        for stale in REFERENCES.glob("*.png"):
            if stale not in kept:
                stale.unlink()
                print(f"removed {stale}")
    for case in chosen:
        path = reference_path(case)
        save(render(case), path)
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    total = sum(p.stat().st_size for p in REFERENCES.glob("*.png"))
    print(f"{len(list(REFERENCES.glob('*.png')))} references, {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
