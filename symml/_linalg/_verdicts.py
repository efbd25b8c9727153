"""How linear-algebra results check themselves: named identities combined into one Verdict.

======================  ===================================================================
function                does
======================  ===================================================================
``all_true``            named checks (``(what, Verdict or bool)``) as one Verdict
``Comparison``          exact matrix equality within one verdict budget: at 50 digits for
                        numbers, :func:`symml.check` for symbols, else seeded samples
``close``               NumPy arrays equal to a relative tolerance
======================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._check import check
from .._codegen import to_numpy
from .._core import CHECK_BUDGET, Deadline, Verdict, sample_arrays
from ._matrices import simp

#: Seconds below which a comparison still gets a chance (when the verdict's budget is spent).
_LAST_CHANCE = 0.1
#: Seeded random points for the float comparison of matrices with symbols.
_SAMPLES = 64


def all_true(checks: Sequence[tuple[str, Any]], claimed: Any, method: str) -> Verdict:
    """Combine named checks (``(what, Verdict or bool)``) into one Verdict."""
    notes = []
    for what, result in checks:
        if not result:
            sub = f": {result.message}" if isinstance(result, Verdict) else ""
            return Verdict(
                False,
                getattr(result, "method", method),
                claimed=claimed,
                counterexample=getattr(result, "counterexample", None),
                claimed_value=getattr(result, "claimed_value", None),
                expected_value=getattr(result, "expected_value", None),
                notes=(f"{what} fails{sub}",),
                points=getattr(result, "points", 1),
            )
        notes.append(what)
    methods = {getattr(r, "method", method) for _, r in checks}
    overall = "symbolic" if methods == {"symbolic"} else method
    return Verdict(True, overall, claimed=claimed, notes=tuple(notes), points=1)


def close(a: Any, b: Any, scale: float, tol: float = 1e-9) -> bool:
    """Whether two arrays agree entry by entry within ``tol * (1 + scale)``."""
    return bool(np.all(np.abs(np.asarray(a) - np.asarray(b)) <= tol * (1.0 + scale)))


class Comparison:
    """Exact comparisons of matrices that share one verdict budget.

    Parameters
    ----------
    budget : float
        Seconds for all the comparisons together (``verify(budget=...)``).
    seed : int
        Seed of the random points (``verify(seed=...)``).
    """

    __slots__ = ("deadline", "seed")

    def __init__(self, *, budget: float = CHECK_BUDGET, seed: int = 0) -> None:
        self.deadline = Deadline(budget)
        self.seed = seed

    def equal(self, a: Any, b: Any) -> Verdict:
        """Whether two matrices are equal: at 50 digits when they hold no symbols, else
        by :func:`symml.check`, else at seeded random points."""
        A, B = sp.ImmutableMatrix(a), sp.ImmutableMatrix(b)
        if A.shape == B.shape and not (A.free_symbols or B.free_symbols):
            return _equal_at_50_digits(A, B)
        budget = max(self.deadline.left(), _LAST_CHANCE)
        verdict = check(A, B, seed=self.seed, budget=budget)
        if verdict.method != "inconclusive":
            return verdict
        return self._sampled_equal(A, B, verdict)

    def nonzero_det(self, P: sp.MatrixBase) -> bool:
        """Whether ``det P`` is not zero (for generic values of its symbols)."""
        det = simp(P.det(), self.deadline)
        if det.is_zero is True:
            return False
        if det.free_symbols:
            return True
        return abs(complex(det.evalf(30))) > 1e-12

    def zero_entries(self, entries: Sequence[sp.Expr]) -> bool:
        """Whether every entry simplifies to zero."""
        return all(simp(e, self.deadline).is_zero for e in entries)

    def _sampled_equal(self, A: sp.MatrixBase, B: sp.MatrixBase, inconclusive: Verdict) -> Verdict:
        """Float comparison at seeded random points, when the exact check could not decide."""
        symbols = sorted(A.free_symbols | B.free_symbols, key=lambda s: s.name)
        points = sample_arrays(symbols, _SAMPLES, seed=self.seed)
        values = [points[s] for s in symbols]
        with np.errstate(all="ignore"):
            a = np.asarray(to_numpy(A, symbols)(*values), dtype=complex)
            b = np.asarray(to_numpy(B, symbols)(*values), dtype=complex)
        # one row per entry, one column per point, whatever the matrices' shapes
        finite = (np.isfinite(a) & np.isfinite(b)).reshape(-1, _SAMPLES)
        good = np.all(finite, axis=0)
        near = (np.abs(a - b) <= 1e-8 * (1 + np.abs(b))).reshape(-1, _SAMPLES)
        agree = np.all(near | ~finite, axis=0)
        count = int(good.sum())
        return Verdict(
            count >= 16 and bool(agree[good].all()),
            "numeric",
            claimed=A,
            expected=B,
            notes=(
                *inconclusive.notes,
                f"float comparison at {count} seeded random points instead",
            ),
            points=count,
        )


def _equal_at_50_digits(A: sp.MatrixBase, B: sp.MatrixBase) -> Verdict:
    diff = [complex((x - y).evalf(50)) for x, y in zip(A, B, strict=True)]
    scale = 1.0 + max((abs(complex(x.evalf(50))) for x in B), default=0.0)
    worst = max((abs(v) for v in diff), default=0.0)
    return Verdict(
        worst <= 1e-30 * scale,
        "numeric",
        claimed=A,
        expected=B,
        notes=(f"entries agree to {worst:.1e} at 50 digits",),
        points=1,
    )
