"""Textbook forms for the steps: generic matrix symbols, 1 x 1 products shown as scalars."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sympy as sp

from ..._core import BudgetExceededError, Deadline, bad_argument

T = TypeVar("T")

#: Seconds one ``simplify`` of one entry may take.
SIMPLIFY_CAP = 2.0


class Scalar(sp.Trace):
    """A 1 x 1 matrix expression used as a number (``x^T A x``), printed without ``tr``.

    SymPy refuses ``log|Σ| + x^T Σ^{-1} x`` (a scalar plus a matrix); the trace of
    a 1 x 1 matrix is its one entry, so this is exact, adds like any scalar and
    evaluates with :func:`symml.to_numpy`.
    """

    def _latex(self, printer: Any) -> str:
        return printer._print(self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return printer._print(self.args[0])


class Tex(sp.Symbol):
    """A formula SymPy has no object for (``E_p[log p(x)]``), as a symbol that prints its LaTeX."""

    def _latex(self, printer: Any) -> str:
        return self.name


def quad(v: Any, A: Any) -> Scalar:
    """``v^T A v`` as a scalar."""
    return Scalar(v.T * A * v)


def simp(expr: Any, deadline: Deadline) -> Any:
    """``simplify`` entry by entry within what ``deadline`` has left; unchanged if out of time."""
    if isinstance(expr, sp.MatrixBase):
        return sp.ImmutableMatrix(expr.rows, expr.cols, [simp(e, deadline) for e in expr])
    if not isinstance(expr, sp.Expr) or expr.is_Atom or not expr.free_symbols:
        return expr
    value, finished = deadline.run(lambda: sp.simplify(expr), SIMPLIFY_CAP)
    return value if finished else expr


def exact(func: Callable[[], T], deadline: Deadline, what: str) -> T:
    """``func()`` within what ``deadline`` has left, or a clear :class:`BudgetExceededError`."""
    value, finished = deadline.run(func)
    if not finished:
        raise BudgetExceededError(
            bad_argument(
                "budget",
                deadline.seconds,
                f"{what} took longer than the budget; raise budget= or substitute numbers",
            )
        )
    return value  # type: ignore[return-value]


def generic(
    k: Any, names: tuple[str, str, str] = ("x", "mu", "Sigma")
) -> tuple[sp.MatrixSymbol, ...]:
    """Generic ``x``, ``mu`` (k x 1) and ``Sigma`` (k x k) for the textbook lines."""
    x, mu, S = names
    return sp.MatrixSymbol(x, k, 1), sp.MatrixSymbol(mu, k, 1), sp.MatrixSymbol(S, k, k)


def blocks(ka: Any, kb: Any) -> dict[str, sp.MatrixSymbol]:
    """The blocks of a partitioned Gaussian: ``x_a, x_b, mu_a, mu_b, Sigma_aa, ...``."""
    out: dict[str, sp.MatrixSymbol] = {}
    for v, dim in (("a", ka), ("b", kb)):
        out[f"x_{v}"] = sp.MatrixSymbol(f"x_{v}", dim, 1)
        out[f"mu_{v}"] = sp.MatrixSymbol(f"mu_{v}", dim, 1)
    for r, dr in (("a", ka), ("b", kb)):
        for c, dc in (("a", ka), ("b", kb)):
            out[f"S_{r}{c}"] = sp.MatrixSymbol(f"Sigma_{r}{c}", dr, dc)
            out[f"L_{r}{c}"] = sp.MatrixSymbol(f"Lambda_{r}{c}", dr, dc)
    return out
