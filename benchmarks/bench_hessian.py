"""Hessians: symml versus plain SymPy and SymEngine.

* ``hessian-logistic-40``: the case from the issue, the Hessian of the scalar
  logistic loss ``log(1 + exp(-y * sum(w_i x_i)))`` in its 40 weights
  (10 in a quick run). Goal: symml at least 20x faster than ``sympy.hessian``.
* ``hessian-rosenbrock-2``: a small input, ``(1 - a)**2 + 100*(b - a**2)**2``,
  to show symml is never slower than SymPy on small problems, on a new
  expression each call (fresh symbols, as everywhere else here) ...
* ``hessian-rosenbrock-2-warm``: ... and on the very same expression every
  call, so SymPy's global cache is warm (SymPy's best case).

Baselines: ``sympy.hessian`` (plain SymPy, SymPy objects out) and SymEngine's
own ``diff`` (conversion in included, SymEngine objects out, no conversion
back; a lower bound, not a like-for-like competitor).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import symengine
import sympy
from harness import Benchmark, Candidate

import symml

_label = "symml.hessian(f, ws).result"


def _logistic_setup(n: int, quick_n: int) -> Any:
    def setup(tag: str, quick: bool) -> tuple[sympy.Expr, list[sympy.Symbol]]:
        k = quick_n if quick else n
        w = [sympy.Symbol(f"w{i}{tag}", real=True) for i in range(k)]
        x = [sympy.Symbol(f"x{i}{tag}", real=True) for i in range(k)]
        y = sympy.Symbol(f"y{tag}", real=True)
        score = sum(wi * xi for wi, xi in zip(w, x, strict=True))
        return sympy.log(1 + sympy.exp(-y * score)), w

    return setup


def _rosenbrock_setup(tag: str, quick: bool) -> tuple[sympy.Expr, list[sympy.Symbol]]:
    a = sympy.Symbol(f"a{tag}", real=True)
    b = sympy.Symbol(f"b{tag}", real=True)
    return (1 - a) ** 2 + 100 * (b - a**2) ** 2, [a, b]


_WARM_A, _WARM_B = sympy.symbols("a_warm b_warm", real=True)


def _rosenbrock_warm_setup(tag: str, quick: bool) -> tuple[sympy.Expr, list[sympy.Symbol]]:
    a, b = _WARM_A, _WARM_B
    return (1 - a) ** 2 + 100 * (b - a**2) ** 2, [a, b]


def _sympy_hessian(inputs: tuple[sympy.Expr, list[sympy.Symbol]]) -> Any:
    f, wrt = inputs
    return sympy.hessian(f, wrt)


def _symengine_hessian(inputs: tuple[sympy.Expr, list[sympy.Symbol]]) -> Any:
    f, wrt = inputs
    f_se = symengine.sympify(f)
    wrt_se = [symengine.sympify(w) for w in wrt]
    grad = [f_se.diff(w) for w in wrt_se]
    n = len(wrt_se)
    rows: list[list[Any]] = [[None] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            rows[i][j] = rows[j][i] = grad[i].diff(wrt_se[j])
    return rows


def _symml_hessian(inputs: tuple[sympy.Expr, list[sympy.Symbol]]) -> Any:
    f, wrt = inputs
    return symml.hessian(f, wrt).result


def _check_same_hessian(outputs: Mapping[str, Any]) -> None:
    """symml's and SymPy's Hessians agree at a random point, entry by entry (sampled)."""
    ours = outputs[_label]
    theirs = outputs["sympy.hessian"]
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert isinstance(ours, sympy.ImmutableMatrix), type(ours)
    n = ours.shape[0]
    rng = random.Random(0)
    pairs = {(0, 0), (n - 1, n - 1), (0, n - 1)} | {
        (rng.randrange(n), rng.randrange(n)) for _ in range(3)
    }
    symbols = sorted(ours.free_symbols | theirs.free_symbols, key=str)
    point = {s: rng.uniform(-1, 1) for s in symbols}
    for i, j in sorted(pairs):
        assert ours[i, j] is ours[j, i] or ours[i, j] == ours[j, i]
        a = complex(ours[i, j].evalf(subs=point))
        b = complex(theirs[i, j].evalf(subs=point))
        assert abs(a - b) <= 1e-9 * (1 + abs(b)), (i, j, a, b)


def _candidates() -> tuple[Candidate, list[Candidate]]:
    subject = Candidate(_label, _symml_hessian)
    baselines = [
        Candidate("sympy.hessian", _sympy_hessian),
        Candidate("symengine diff (no conversion back)", _symengine_hessian),
    ]
    return subject, baselines


_subject, _baselines = _candidates()

BENCHMARKS = [
    Benchmark(
        name="hessian-logistic-40",
        description="Hessian of log(1 + exp(-y*sum(w_i*x_i))) in 40 weights (10 with --quick)",
        setup=_logistic_setup(40, quick_n=10),
        subject=_subject,
        baselines=_baselines,
        check=_check_same_hessian,
        repeats=3,
    ),
    Benchmark(
        name="hessian-rosenbrock-2",
        description="Hessian of (1 - a)**2 + 100*(b - a**2)**2 in a, b (small input)",
        setup=_rosenbrock_setup,
        subject=_subject,
        baselines=_baselines,
        check=_check_same_hessian,
        repeats=25,
    ),
    Benchmark(
        name="hessian-rosenbrock-2-warm",
        description="the same Rosenbrock Hessian, same expression every call (SymPy cache warm)",
        setup=_rosenbrock_warm_setup,
        subject=_subject,
        baselines=_baselines,
        check=_check_same_hessian,
        repeats=101,
    ),
]
