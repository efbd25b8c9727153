"""Logistic regression: symml's generated NumPy versus hand-written NumPy and SymPy routes.

The gradient ``X.T*(sigma(X*w) - y)`` and Hessian ``X.T*diag(s*(1 - s))*X``
of the logistic loss come from ``symml.logistic_regression()`` (matrix
calculus); ``symml.to_numpy`` turns them into NumPy functions, timed here on
the same data as the baselines:

* ``logistic-gradient`` / ``logistic-hessian``: N = 1,000,000 rows x 20
  features (10,000 x 5 with ``--quick``) against hand-written NumPy,
  ``X.T @ (expit(X @ w) - y)`` and ``X.T @ (X * (s*(1 - s))[:, None])``.
  Goals from the issue: symml at most 1.1x (gradient) and 1.2x (Hessian)
  the hand-written time, i.e. ratio >= 0.91 and >= 0.83.
  ``sympy.lambdify`` on the same matrix expressions is attempted once when
  the module loads; it cannot generate code for them (SyntaxError), which
  the table records in a ``note:`` line instead of a timing.
* ``logistic-gradient-scalar-sympy`` / ``logistic-hessian-scalar-sympy``:
  the scalar-expanded SymPy route -- the per-row loss in 20 scalar weights,
  differentiated by SymPy, ``lambdify``-ed with and without ``cse`` and
  summed over rows -- at a smaller N (100,000 rows for the gradient, 20,000
  for the 20 x 20 Hessian, whose per-row entries would not fit in memory at
  N = 10^6), with symml timed on the same smaller data.

Data come from a fixed seed; symbolic work and code generation happen once,
outside the timings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy
from harness import Benchmark, Candidate
from scipy.special import expit

SEED = 20240611


@functools.cache
def _data(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((rows, cols))
    w = rng.standard_normal(cols) / np.sqrt(cols)
    y = (rng.random(rows) < expit(X @ w)).astype(float)
    return X, w, y


@functools.lru_cache(maxsize=1)
def _derivation() -> Any:
    import symml

    return symml.logistic_regression()


@functools.cache
def _symml_function(which: str) -> Callable[..., np.ndarray]:
    import symml

    lr = _derivation()
    X, y, w = lr.symbols
    expr = lr.gradient.result if which == "gradient" else lr.hessian.result
    return symml.to_numpy(expr, [X, w, y], name=f"logistic_{which}")


def _lambdify_note(which: str) -> str:
    """What sympy.lambdify makes of the matrix expression (it is not timed)."""
    try:
        lr = _derivation()
        X, y, w = lr.symbols
        expr = lr.gradient.result if which == "gradient" else lr.hessian.result
        f = sympy.lambdify([X, w, y], expr, modules=["scipy", "numpy"])
        Xd, wd, yd = _data(50, 3)
        f(Xd, wd[:, None], yd[:, None])
    except Exception as exc:
        return f"n/a ({type(exc).__name__}: {str(exc).splitlines()[0][:60]})"
    return "works (not timed)"


def _sizes(full: tuple[int, int], quick: tuple[int, int]) -> Callable[[str, bool], Any]:
    def setup(tag: str, is_quick: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _data(*(quick if is_quick else full))

    return setup


def _symml(which: str) -> Callable[[Any], np.ndarray]:
    def run(inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        X, w, y = inputs[:3]
        return _symml_function(which)(X, w, y)

    return run


def _hand_gradient(inputs: tuple[np.ndarray, ...]) -> np.ndarray:
    X, w, y = inputs[:3]
    return X.T @ (expit(X @ w) - y)


def _hand_hessian(inputs: tuple[np.ndarray, ...]) -> np.ndarray:
    X, w = inputs[:2]
    s = expit(X @ w)
    return X.T @ (X * (s * (1 - s))[:, None])


# -- the scalar-expanded SymPy route ------------------------------------------------
@functools.cache
def _scalar_route(which: str, cols: int, cse: bool) -> Callable[..., Any]:
    """lambdify of the per-row gradient (cols) or Hessian (cols x cols) in scalar symbols."""
    ws = sympy.symbols(f"w0:{cols}", real=True)
    xs = sympy.symbols(f"x0:{cols}", real=True)
    y = sympy.Symbol("y", real=True)
    score = sum(wi * xi for wi, xi in zip(ws, xs, strict=True))
    row_loss = sympy.log(1 + sympy.exp(score)) - y * score
    if which == "gradient":
        expr = sympy.Matrix([row_loss.diff(wi) for wi in ws])
    else:
        expr = sympy.hessian(row_loss, ws)
    return sympy.lambdify([*xs, y, *ws], expr, modules="numpy", cse=cse)


def _scalar(which: str, cse: bool) -> Callable[[Any], np.ndarray]:
    def run(inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        X, w, y, columns = inputs
        f = _scalar_route(which, X.shape[1], cse)
        out = np.asarray(f(*columns, y, *w))
        return out.sum(axis=-1).reshape((len(w),) if which == "gradient" else (len(w),) * 2)

    return run


@functools.cache
def _columns(rows: int, cols: int) -> list[np.ndarray]:
    """The feature columns as contiguous arrays, the scalar route's input."""
    return list(np.ascontiguousarray(_data(rows, cols)[0].T))


def _scalar_setup(full: tuple[int, int], quick: tuple[int, int]) -> Callable[[str, bool], Any]:
    def setup(tag: str, is_quick: bool) -> tuple[Any, ...]:
        size = quick if is_quick else full
        for which in ("gradient", "hessian"):
            for cse in (True, False):
                _scalar_route(which, size[1], cse)  # code generation, outside the timing
        return (*_data(*size), _columns(*size))

    return setup


def _agree(reference: str, rtol: float = 1e-9) -> Callable[[Mapping[str, Any]], None]:
    def check(outputs: Mapping[str, Any]) -> None:
        expected = np.asarray(outputs[reference])
        for name, out in outputs.items():
            np.testing.assert_allclose(
                np.asarray(out), expected, rtol=rtol, atol=rtol * np.abs(expected).max(),
                err_msg=name,
            )  # fmt: skip

    return check


_GRAD = "symml.to_numpy(derived gradient)"
_HESS = "symml.to_numpy(derived Hessian)"
_HAND_G = "hand-written X.T @ (expit(X @ w) - y)"
_HAND_H = "hand-written X.T @ (X * (s*(1-s))[:, None])"

BENCHMARKS = [
    Benchmark(
        name="logistic-gradient",
        description="logistic-loss gradient, N = 1,000,000 x 20 (10,000 x 5 with --quick)",
        setup=_sizes((1_000_000, 20), (10_000, 5)),
        subject=Candidate(
            _GRAD, _symml("gradient"), "sympy.lambdify on it: " + _lambdify_note("gradient")
        ),
        baselines=[Candidate(_HAND_G, _hand_gradient)],
        check=_agree(_HAND_G),
        repeats=9,
    ),
    Benchmark(
        name="logistic-hessian",
        description="logistic-loss Hessian, N = 1,000,000 x 20 (10,000 x 5 with --quick)",
        setup=_sizes((1_000_000, 20), (10_000, 5)),
        subject=Candidate(
            _HESS, _symml("hessian"), "sympy.lambdify on it: " + _lambdify_note("hessian")
        ),
        baselines=[Candidate(_HAND_H, _hand_hessian)],
        check=_agree(_HAND_H),
        repeats=7,
    ),
    Benchmark(
        name="logistic-gradient-scalar-sympy",
        description="gradient, N = 100,000 x 20 (2,000 x 5 with --quick): scalar SymPy route",
        setup=_scalar_setup((100_000, 20), (2_000, 5)),
        subject=Candidate(_GRAD, _symml("gradient")),
        baselines=[
            Candidate("sympy.lambdify(scalar gradient, cse=True)", _scalar("gradient", True)),
            Candidate("sympy.lambdify(scalar gradient, cse=False)", _scalar("gradient", False)),
            Candidate(_HAND_G, _hand_gradient),
        ],
        check=_agree(_HAND_G, rtol=1e-8),
        repeats=5,
    ),
    Benchmark(
        name="logistic-hessian-scalar-sympy",
        description="Hessian, N = 20,000 x 20 (1,000 x 5 with --quick): scalar SymPy route",
        setup=_scalar_setup((20_000, 20), (1_000, 5)),
        subject=Candidate(_HESS, _symml("hessian")),
        baselines=[
            Candidate("sympy.lambdify(scalar Hessian, cse=True)", _scalar("hessian", True)),
            Candidate("sympy.lambdify(scalar Hessian, cse=False)", _scalar("hessian", False)),
            Candidate(_HAND_H, _hand_hessian),
        ],
        check=_agree(_HAND_H, rtol=1e-8),
        repeats=5,
    ),
]
