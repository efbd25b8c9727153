"""The product of two Gaussian densities, ``c N(x | m, C)``, by completing the square."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..._core import DEFAULT_BUDGET, ArgumentError, Deadline, Step, as_budget, bad_argument
from ._checks import to_float
from ._forms import Scalar, exact, quad, simp
from .normal import Gaussian, _build, log_density

_N = r"\mathcal{N}"


class GaussianProduct(Gaussian):
    """``N(x | a, A) N(x | b, B) = c N(x | m, C)``; see :func:`gaussian_product`.

    A :class:`Gaussian` (the normalised ``N(x | m, C)``) with the constant
    :attr:`scale` ``c = N(a | b, A + B)``.
    """

    __slots__ = ("factors", "scale")

    scale: sp.Expr
    factors: tuple[Gaussian, Gaussian]


def gaussian_product(
    G1: Gaussian, G2: Gaussian, *, budget: float = DEFAULT_BUDGET
) -> GaussianProduct:
    """The product of two Gaussian densities of the same variables, as ``c N(x | m, C)``.

    ``C = (A^-1 + B^-1)^-1``, ``m = C (A^-1 a + B^-1 b)`` and ``c = N(a | b, A + B)``:
    the exponents add, the square is completed in ``x``, and what is left over
    (integrate both sides over ``x``) is the scale ``c``.

    Parameters
    ----------
    G1, G2 : Gaussian
        ``N(x | a, A)`` and ``N(x | b, B)`` of the same dimension; the product
        is in ``G1``'s variables.
    budget : float
        Seconds for the symbolic work.

    Returns
    -------
    GaussianProduct
        A :class:`Gaussian` with ``.scale``; ``.verify()`` checks
        ``log N1 + log N2 = log c + log N(x | m, C)`` with SciPy's densities.

    Examples
    --------
    >>> import symml
    >>> P = symml.gaussian_product(symml.gaussian([0], [[1]]), symml.gaussian([2], [[1]]))
    >>> P.mean, P.cov
    (Matrix([[1]]), Matrix([[1/2]]))
    >>> P.scale
    exp(-1)/(2*sqrt(pi))
    """
    seconds = as_budget(budget)
    for name, G in (("G1", G1), ("G2", G2)):
        if not isinstance(G, Gaussian):
            raise ArgumentError(bad_argument(name, G, "pass a symml.gaussian(mean, cov)"))
    if G1.dimension != G2.dimension:
        raise ArgumentError(
            bad_argument(
                "G2",
                G2,
                f"G1 is over {G1.dimension} variables but G2 over {G2.dimension}: "
                "multiply Gaussians of the same dimension (take a marginal first)",
            )
        )
    deadline = Deadline(seconds)
    a, A, b, B = G1.mean, G1.cov, G2.mean, G2.cov
    Ai = simp(exact(A.inv, deadline, "inverting G1.cov"), deadline)
    Bi = simp(exact(B.inv, deadline, "inverting G2.cov"), deadline)
    C = simp(exact((Ai + Bi).inv, deadline, "inverting the summed precision"), deadline)
    m = simp(C * (Ai * a + Bi * b), deadline)
    log_c = log_density(b, A + B, a, deadline)
    scale = simp(sp.exp(log_c), deadline)

    def reference(values: Mapping[sp.Basic, float], pts: np.ndarray) -> np.ndarray:
        from scipy.stats import multivariate_normal as mvn

        an, An = to_float(a, values).ravel(), to_float(A, values)
        bn, Bn = to_float(b, values).ravel(), to_float(B, values)
        both = mvn(an, An).logpdf(pts) + mvn(bn, Bn).logpdf(pts)
        return both - mvn(bn, An + Bn).logpdf(an)

    def steps() -> list[Step]:
        return _product_steps(G1, G2, C, m, scale)

    needed = a.free_symbols | A.free_symbols | b.free_symbols | B.free_symbols
    reference.symbols = needed  # type: ignore[attr-defined]

    return _build(
        m,
        C,
        G1.x,
        steps,
        "product of Gaussians",
        reference,
        seconds,
        cls=GaussianProduct,
        deadline=deadline,
        scale=scale,
        factors=(G1, G2),
    )


def _product_steps(G1: Gaussian, G2: Gaussian, C: Any, m: Any, scale: Any) -> list[Step]:
    k = G1.dimension
    x, a, b = (sp.MatrixSymbol(n, k, 1) for n in ("x", "a", "b"))
    A, B = sp.MatrixSymbol("A", k, k), sp.MatrixSymbol("B", k, k)
    Cg, mg = sp.MatrixSymbol("C", k, k), sp.MatrixSymbol("m", k, 1)
    prec = A.I + B.I
    lin = A.I * a + B.I * b
    return [
        Step(
            -quad(x - a, A.I) / 2 - quad(x - b, B.I) / 2,
            "the exponents of the two densities add",
            lhs=rf"\log {_N}(x \mid a, A) {_N}(x \mid b, B) + \text{{const}}",
        ),
        Step(
            -quad(x, prec) / 2 + Scalar(x.T * lin),
            "collect the quadratic and linear terms in x (A, B symmetric)",
        ),
        Step(
            -quad(x - mg, Cg.I) / 2,
            "complete the square: C^-1 = A^-1 + B^-1, m = C (A^-1 a + B^-1 b)",
        ),
        Step(prec.I, "the precisions add", lhs=Cg),
        Step(A - A * (A + B).I * A, "matrix inversion lemma: one inverse, of A + B"),
        Step(C, "with the numbers"),
        Step(Cg * lin, "the precision-weighted means", lhs=mg),
        Step(m, "with the numbers"),
        Step(
            (2 * sp.pi) ** sp.Rational(-k, 2)
            * sp.Determinant(A + B) ** sp.Rational(-1, 2)
            * sp.exp(-quad(a - b, (A + B).I) / 2),
            "integrate both sides over x: c is the density of a - b ~ N(0, A + B)",
            lhs="c",
        ),
        Step(scale, "with the numbers"),
    ]
