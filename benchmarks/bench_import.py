"""Import time: ``import symml`` against ``import sympy``, each in a new process.

* ``import-time``: a fresh interpreter runs ``import symml`` (which imports
  SymPy and NumPy itself) against one that runs ``import sympy``. Both include
  the interpreter's own start-up, which is what a user waits for in a new
  kernel or a CLI call. Goal: symml at most 1.3x SymPy (ratio >= 0.77).

Packages that only some functions need (SciPy's submodules, statsmodels,
Matplotlib, ipywidgets) are imported inside those functions, which is what
keeps the ratio down.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from harness import Benchmark, Candidate


def _importer(module: str) -> Any:
    def run(inputs: Any) -> int:
        done = subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        return done.returncode

    return run


def _setup(tag: str, quick: bool) -> None:
    return None


BENCHMARKS = [
    Benchmark(
        name="import-time",
        description="a new process running `import symml` vs `import sympy` (goal: ratio >= 0.77)",
        setup=_setup,
        subject=Candidate("import symml", _importer("symml")),
        baselines=[Candidate("import sympy", _importer("sympy"))],
        repeats=7,
    ),
]
