"""Run every symml benchmark in one process and print times and ratios.

Usage::

    .venv/bin/python benchmarks/run.py            # full run (about a minute)
    .venv/bin/python benchmarks/run.py --quick    # smoke run: small sizes, one call each
    .venv/bin/python benchmarks/run.py --only rosenbrock --repeats 50
    .venv/bin/python benchmarks/run.py --json results.json

Benchmarks are the ``BENCHMARKS`` lists of the ``bench_*.py`` modules next to
this file. The ratio column is ``baseline median / symml median``: above 1
means symml is faster. Times are reported, never asserted; the exit status is
1 only when a candidate raised or a benchmark's output check failed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from harness import Benchmark, format_table, run_benchmark  # noqa: E402


def discover() -> list[Benchmark]:
    """All benchmarks, module by module in file-name order."""
    found: list[Benchmark] = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        found.extend(module.BENCHMARKS)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one call each")
    parser.add_argument("--only", metavar="TEXT", help="run benchmarks whose name contains TEXT")
    parser.add_argument("--repeats", type=int, help="timed calls per candidate (full runs)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)

    import numpy
    import symengine
    import sympy

    print(
        f"python {platform.python_version()}, sympy {sympy.__version__}, "
        f"symengine {symengine.__version__}, numpy {numpy.__version__}, "
        f"{platform.machine()} {platform.processor() or platform.system()}"
    )
    print("ratio = baseline median / symml median (above 1: symml is faster)")
    if args.quick:
        print("quick run: small problem sizes, one timed call per candidate")

    status = 0
    records = []
    for bench in discover():
        if args.only and args.only not in bench.name:
            continue
        timings, failure = run_benchmark(bench, quick=args.quick, repeats=args.repeats)
        print()
        print(format_table(bench, timings))
        if failure is not None:
            print(f"  check FAILED: {failure}")
            status = 1
        elif bench.check is not None:
            print("  check: symml's output agrees with the baseline")
        if any(t.error is not None for t in timings):
            status = 1
        subject = next(t for t in timings if t.is_subject)
        for t in timings:
            ratio = (
                t.median / subject.median
                if t.median and subject.median and not t.is_subject
                else None
            )
            records.append(
                {
                    "benchmark": bench.name,
                    "candidate": t.candidate,
                    "symml": t.is_subject,
                    "median_s": t.median,
                    "runs_s": t.seconds,
                    "ratio": ratio,
                    "error": t.error,
                }
            )
        sys.stdout.flush()

    if args.json:
        Path(args.json).write_text(json.dumps({"quick": args.quick, "results": records}, indent=2))
    return status


if __name__ == "__main__":
    sys.exit(main())
