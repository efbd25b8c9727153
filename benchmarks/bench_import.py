"""Import time: symml against ``import sympy``, each in a new process.

A fresh interpreter runs each statement; the time includes the interpreter's
own start-up, which is what a user waits for in a new kernel or a CLI call.

* ``import-time``: ``import sympy, symml``, what a notebook's first cell does,
  against ``import sympy``. Goal: at most 1.3x (ratio >= 0.77). symml's public
  names load lazily (PEP 562): a package is imported when one of its names is
  first used, so ``import symml`` alone costs almost nothing.
* ``import-first-derivation``: ... and then ``symml.gradient``, which loads
  calculus, code generation and rendering (what ``symml derive`` needs).
* ``import-everything``: ... and then every public name (statistics,
  linear algebra, optimisation too): the cost of the whole library, which
  lazy imports inside the packages (SciPy, statsmodels, Matplotlib, sympy.stats
  only where used) keep down.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from harness import Benchmark, Candidate


def _python(code: str) -> Any:
    def run(inputs: Any) -> int:
        return subprocess.run([sys.executable, "-c", code], check=True).returncode

    return run


def _setup(tag: str, quick: bool) -> None:
    return None


_SYMPY = Candidate("import sympy", _python("import sympy"))


def _bench(name: str, description: str, label: str, code: str) -> Benchmark:
    return Benchmark(
        name=name,
        description=description,
        setup=_setup,
        subject=Candidate(label, _python(code)),
        baselines=[_SYMPY],
        repeats=7,
    )


BENCHMARKS = [
    _bench(
        "import-time",
        "a new process: `import sympy, symml` vs `import sympy` (goal: ratio >= 0.77)",
        "import sympy, symml",
        "import sympy, symml",
    ),
    _bench(
        "import-first-derivation",
        "... then `symml.gradient` (loads calculus, codegen, rendering)",
        "import sympy, symml; symml.gradient",
        "import sympy, symml; symml.gradient",
    ),
    _bench(
        "import-everything",
        "... then every public name (the whole library)",
        "symml: every public name",
        "import sympy, symml; [getattr(symml, n) for n in symml.__all__]",
    ),
]
