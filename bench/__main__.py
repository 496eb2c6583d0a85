"""`python -m bench [NAME ...]`: run every benchmark section, or the ones named.

Each section measures LayerLab against a reference in the same run and prints
ratios, because these machines are shared and absolute times are noise.
"""

from __future__ import annotations

import importlib
import sys
import time

SECTIONS = ["ingest", "engine", "defaults", "server", "inspection", "recovery", "quality", "cluster"]


def main(argv: list[str]) -> int:
    flags = [arg for arg in argv if arg.startswith("--")]  # for the sections that take options
    chosen = [arg for arg in argv if not arg.startswith("--")] or SECTIONS
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        print(f"Unknown benchmark {unknown[0]!r}; choose from {', '.join(SECTIONS)}.")
        return 2
    for name in chosen:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"\n== {name}: not written yet, skipped ==")
                continue
            raise
        print(f"\n== {name} ==", flush=True)
        started = time.perf_counter()
        module.main(flags) if flags else module.main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
