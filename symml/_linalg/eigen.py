r"""Eigen-decomposition with steps: ``A = P D P^{-1}`` (or the Jordan form).

Exact route (small matrices with rational or symbolic entries): the
characteristic polynomial, its roots, the eigenvectors, the factorisation.
Numeric route (floating-point entries, larger matrices, and matrices whose
characteristic polynomial has an irreducible factor of degree 3 or more):
``numpy.linalg.eigh`` or ``eig``, and the steps say so.

Examples
--------
>>> import sympy as sp, symml
>>> e = symml.eigen(sp.Matrix([[2, 1], [1, 2]]))
>>> e.eigenvalues
(3, 1)
>>> e.P, e.D
(Matrix([
[1, -1],
[1,  1]]), Matrix([
[3, 0],
[0, 1]]))
>>> bool(e.verify())
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._core import (
    CHECK_BUDGET,
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    NoClosedFormError,
    Step,
    Verdict,
    bad_argument,
)
from ._matrices import (
    SYMBOLIC_MAX,
    NumericFallback,
    OfMatrix,
    as_array,
    as_matrix,
    fresh,
    require_square,
    run_exact,
    show,
    simp,
    sort_desc,
    symbol_assumptions,
    to_matrix,
    wants_numeric,
)
from ._verdicts import Comparison, all_true, close

__all__ = ["EigenDecomposition", "eigen"]

#: One eigenvalue with its algebraic multiplicity and a basis of its eigenvectors.
Eigenpair = tuple[sp.Expr, int, list[sp.ImmutableMatrix]]


class EigenDecomposition(OfMatrix):
    """An eigen-decomposition; ``.result`` is the factorisation ``P D P^{-1}``.

    ``.result`` is an unevaluated ``MatMul`` of explicit matrices
    (``.result.doit()`` gives ``A`` back, ``.result.args`` the factors). For a
    defective matrix (too few eigenvectors) it is the Jordan form
    ``P J P^{-1}`` instead; for a symmetric matrix on the numeric route
    ``P D P^T`` (``P`` orthogonal).

    Attributes
    ----------
    matrix : ImmutableMatrix
        ``A``.
    eigenvalues : tuple
        With algebraic multiplicity, largest first when they are numbers.
    P, D : ImmutableMatrix
        Eigenvectors as columns and the matching eigenvalues on the diagonal
        (when ``A`` is defective, ``P`` has fewer columns than rows).
    eigenvectors : tuple of ImmutableMatrix
        The columns of ``P``.
    characteristic_polynomial : sympy expression or None
        ``det(A - λ I)`` in ``lam`` (None for the numeric route).
    lam : Symbol
        The variable of the characteristic polynomial.
    diagonalizable : bool
        Whether there are ``n`` independent eigenvectors (``A = P D P^{-1}``).
    jordan : tuple (P, J) or None
        The Jordan form of a defective matrix (exact route).
    method : str
        ``"symbolic"`` or ``"numeric"``.
    """

    __slots__ = (
        "D",
        "P",
        "characteristic_polynomial",
        "diagonalizable",
        "eigenvalues",
        "jordan",
        "lam",
        "method",
    )

    @property
    def eigenvectors(self) -> tuple[sp.ImmutableMatrix, ...]:
        """The eigenvectors: the columns of ``P``."""
        return tuple(self.P.col(j) for j in range(self.P.cols))


def eigen(
    A: Any, *, numeric: bool | None = None, budget: float = DEFAULT_BUDGET
) -> EigenDecomposition:
    r"""Eigenvalues and eigenvectors of a square matrix, with the steps.

    Exact route (small matrices with rational or symbolic entries): form
    ``A - λI``, take its determinant (the characteristic polynomial), factor
    it, find its roots (the eigenvalues), solve ``(A - λI) v = 0`` for each
    root (the eigenvectors), and assemble ``A = P D P^{-1}`` (the Jordan form
    ``P J P^{-1}`` when there are too few eigenvectors). Numeric route
    (floating-point entries, or matrices larger than 4 x 4 without symbols):
    ``numpy.linalg.eigh`` for symmetric matrices (real eigenvalues,
    orthonormal eigenvectors), ``numpy.linalg.eig`` otherwise. A matrix of
    numbers whose characteristic polynomial has an irreducible factor of
    degree 3 or more keeps the exact polynomial in its steps, but its roots
    come from NumPy (radicals of cubics are unreadable, quintics have none).

    Parameters
    ----------
    A : square Matrix, nested list or NumPy array
    numeric : bool, optional
        Force the numeric (True) or exact (False) route; by default exact for
        exact entries up to 4 x 4 and for any matrix with symbols.
    budget : float
        Seconds for the exact route. A matrix of numbers whose exact
        decomposition runs out of time is done numerically (the steps say so).

    Returns
    -------
    EigenDecomposition
        ``.result`` is the factorisation ``P D P^{-1}`` (an unevaluated
        ``MatMul``); see the class for ``.eigenvalues``,
        ``.P``, ``.D``, ``.characteristic_polynomial``, ``.diagonalizable``.
        ``.verify()`` checks ``A P = P D`` (exactly, or at random values of the
        symbols) and compares the eigenvalues with ``numpy.linalg.eigvals``.

    Raises
    ------
    ShapeError
        ``A`` is not square.
    NoClosedFormError
        ``A`` has symbols and the exact route runs out of ``budget``, or its
        characteristic polynomial has an irreducible factor of degree >= 3.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> e = symml.eigen(sp.Matrix([[4, 1], [2, 3]]))
    >>> e.characteristic_polynomial
    lambda**2 - 7*lambda + 10
    >>> e.eigenvalues
    (5, 2)
    >>> e.P * e.D * e.P.inv() == sp.Matrix([[4, 1], [2, 3]])
    True
    >>> [s.why for s in e.steps][:4]     # doctest: +NORMALIZE_WHITESPACE
    ['subtract lambda from the diagonal', 'characteristic polynomial: the determinant',
     'factor', 'eigenvalues: the roots of the characteristic polynomial']

    A defective matrix has too few eigenvectors:

    >>> symml.eigen(sp.Matrix([[1, 1], [0, 1]])).diagonalizable
    False
    """
    deadline = Deadline(budget)
    M = as_matrix(A, "A")
    require_square(M, "A", "eigen", "for a rectangular matrix use symml.svd(A) (singular values)")
    if numeric is None:
        numeric = wants_numeric(A, M) or (M.rows > SYMBOLIC_MAX and not M.free_symbols)
    note, prefix = None, []
    if not numeric:
        try:
            return run_exact(
                lambda dl: _eigen_symbolic(M, dl), M, deadline, "eigen-decomposition", fallback=True
            )
        except NumericFallback as exc:
            note, prefix = exc.note, exc.steps
    elif M.free_symbols:
        raise ArgumentError(
            bad_argument("numeric", numeric, "A has symbols; substitute numbers first")
        )
    arr = as_array(A if isinstance(A, np.ndarray) else M, "A")
    return _eigen_numeric(M, arr, note, prefix)


# -- the exact route ----------------------------------------------------------------------


def _eigen_symbolic(M: sp.ImmutableMatrix, deadline: Deadline) -> EigenDecomposition:
    n = M.rows
    lam = fresh("lambda", M.free_symbols)
    poly, steps = _characteristic(M, lam)
    pairs = _eigenpairs(M, deadline)
    eigenvalues = tuple(v for v, m, _ in pairs for _ in range(m))
    columns = [vec for _, _, vs in pairs for vec in vs]
    P = sp.ImmutableMatrix.hstack(*columns)
    D = sp.ImmutableMatrix(sp.diag(*[v for v, _, vs in pairs for _ in vs]))
    steps.append(
        Step(
            sp.Tuple(*eigenvalues),
            "eigenvalues: the roots of the characteristic polynomial"
            + (" (with multiplicity)" if len(set(eigenvalues)) < n else ""),
            lhs=sp.latex(lam),
        )
    )
    steps += _eigenvector_steps(M, pairs, deadline)
    steps.append(Step(P, "the eigenvectors as columns", lhs="P"))
    steps.append(Step(D, "the eigenvalues on the diagonal, in the same order", lhs="D"))
    if len(columns) == n:
        factor = sp.MatMul(P, D, simp(sp.ImmutableMatrix(P.inv()), deadline), evaluate=False)
        steps.append(Step(factor, "diagonalisation: A = P D P^-1", lhs=M))
        jordan = None
    else:
        jordan, factor, more = _jordan(M, P, D, deadline)
        steps += more
    return EigenDecomposition(
        factor,
        steps,
        kind="eigen-decomposition",
        source=M,
        assumptions=symbol_assumptions(M),
        verifier=_exact_verdict,
        P=P,
        D=D,
        eigenvalues=eigenvalues,
        characteristic_polynomial=poly,
        lam=lam,
        diagonalizable=jordan is None,
        jordan=jordan,
        method="symbolic",
    )


def _characteristic(M: sp.ImmutableMatrix, lam: sp.Symbol) -> tuple[sp.Expr, list[Step]]:
    """``det(A - λI)`` with its steps; raises when a factor has degree 3 or more."""
    char = sp.ImmutableMatrix(M - lam * sp.eye(M.rows))
    poly = sp.expand(char.det(method="berkowitz"))
    factored = sp.factor(poly)
    steps = [
        Step(char, "subtract lambda from the diagonal", lhs=rf"A - {sp.latex(lam)} I"),
        Step(
            poly,
            "characteristic polynomial: the determinant",
            lhs=rf"\det(A - {sp.latex(lam)} I)",
        ),
    ]
    if factored != poly:
        steps.append(Step(factored, "factor"))
    degree = max(sp.degree(fac, lam) for fac, _ in sp.factor_list(poly, lam)[1])
    if degree < 3:
        return poly, steps
    if M.free_symbols:
        raise NoClosedFormError(
            bad_argument(
                "A",
                M,
                f"the characteristic polynomial has an irreducible factor of degree {degree}, "
                "whose roots in radicals are unwieldy or do not exist; substitute numbers",
            )
        )
    raise NumericFallback(
        f"the characteristic polynomial has an irreducible factor of degree {degree}: "
        "NumPy computed the roots",
        steps,
    )


def _eigenpairs(M: sp.ImmutableMatrix, deadline: Deadline) -> list[Eigenpair]:
    """SymPy's eigenvectors, simplified, largest eigenvalue first when they are numbers."""
    pairs = [
        (simp(v, deadline), m, [simp(sp.ImmutableMatrix(vec), deadline) for vec in vs])
        for v, m, vs in M.eigenvects(simplify=True)
    ]
    return sort_desc(pairs, lambda t: t[0])[0]


def _eigenvector_steps(
    M: sp.ImmutableMatrix, pairs: list[Eigenpair], deadline: Deadline
) -> list[Step]:
    steps = []
    for k, (value, mult, vectors) in enumerate(pairs, start=1):
        shifted = simp(sp.ImmutableMatrix(M - value * sp.eye(M.rows)), deadline)
        steps.append(
            Step(
                shifted, f"A - lambda I at lambda = {sp.sstr(value)}", lhs=rf"A - \lambda_{{{k}}} I"
            )
        )
        why = "eigenvectors: solve (A - lambda I) v = 0, a basis of the null space"
        if len(vectors) < mult:
            why += f" (only {len(vectors)} for multiplicity {mult}: defective)"
        steps.append(Step(sp.ImmutableMatrix.hstack(*vectors), why, lhs=rf"\mathbf{{v}}_{{{k}}}"))
    return steps


def _jordan(
    M: sp.ImmutableMatrix, P: sp.ImmutableMatrix, D: sp.ImmutableMatrix, deadline: Deadline
) -> tuple[tuple[sp.ImmutableMatrix, sp.ImmutableMatrix], sp.MatMul, list[Step]]:
    """The Jordan form of a defective matrix: ``((P, J), P J P^-1, steps)``."""
    Pj, J = M.jordan_form()
    Pj, J = simp(sp.ImmutableMatrix(Pj), deadline), sp.ImmutableMatrix(J)
    factor = sp.MatMul(Pj, J, simp(sp.ImmutableMatrix(Pj.inv()), deadline), evaluate=False)
    steps = [
        Step(
            sp.MatMul(P, D, evaluate=False),
            f"A P = P D, but there are only {P.cols} independent eigenvector(s) "
            f"in {M.rows} dimensions: A is not diagonalisable",
            lhs=sp.MatMul(M, P, evaluate=False),
        ),
        Step(J, "the Jordan form: eigenvalues on the diagonal, ones above", lhs="J"),
        Step(factor, "A = P J P^-1 with generalised eigenvectors in P", lhs=M),
    ]
    return (Pj, J), factor, steps


# -- the numeric route --------------------------------------------------------------------


def _numpy_eigen(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool, str]:
    """``(values, vectors, symmetric, how)``, largest eigenvalue first."""
    symmetric = bool(np.allclose(arr, arr.conj().T, rtol=1e-12, atol=1e-12 * np.abs(arr).max()))
    if symmetric:
        values, vectors = np.linalg.eigh(arr)
        how = "numpy.linalg.eigh (symmetric: real eigenvalues, orthonormal eigenvectors)"
    else:
        values, vectors = np.linalg.eig(arr)
        how = "numpy.linalg.eig"
        if np.all(np.abs(values.imag) <= 1e-12 * (1 + np.abs(values.real))):
            values, vectors = values.real, vectors.real
    order = np.lexsort((-np.imag(values), -np.real(values)))
    return values[order], vectors[:, order], symmetric, how


def _eigen_numeric(
    M: sp.ImmutableMatrix, arr: np.ndarray, note: str | None, prefix: Sequence[Step] = ()
) -> EigenDecomposition:
    values, vectors, symmetric, how = _numpy_eigen(arr)
    lam = fresh("lambda", M.free_symbols)
    P, D = to_matrix(vectors), to_matrix(np.diag(values))
    cond = np.linalg.cond(vectors)
    diagonalizable = bool(np.isfinite(cond) and cond < 1e10)
    steps: list[Step] = list(prefix)
    if prefix and note:
        steps.append(Step(show(values), f"{note} ({how.split(' ')[0]})", lhs=sp.latex(lam)))
    else:
        if note:
            steps.append(Step(M, note, lhs="A"))
        steps.append(Step(show(values), f"eigenvalues: {how}, largest first", lhs=sp.latex(lam)))
    if symmetric:
        factor = sp.MatMul(P, D, P.T, evaluate=False)
        why = "A = P D P^T (P is orthogonal)"
    else:
        factor = sp.MatMul(P, D, to_matrix(np.linalg.pinv(vectors)), evaluate=False)
        nearly = "" if diagonalizable else " (P is nearly singular: A is nearly defective)"
        why = "A = P D P^-1" + nearly
    steps.append(Step(factor, why, lhs="A"))
    complex_values = np.iscomplexobj(values)
    return EigenDecomposition(
        factor,
        steps,
        kind="eigen-decomposition",
        source=M,
        verifier=_numeric_verdict,
        P=P,
        D=D,
        eigenvalues=tuple(
            sp.sympify(complex(v)) if complex_values else sp.Float(float(v)) for v in values
        ),
        characteristic_polynomial=None,
        lam=lam,
        diagonalizable=diagonalizable,
        jordan=None,
        method="numeric",
    )


# -- verification -------------------------------------------------------------------------


def _exact_verdict(
    d: EigenDecomposition, *, budget: float = CHECK_BUDGET, seed: int = 0
) -> Verdict:
    """``A P = P D`` and ``P D P^-1 = A`` (exact, or sampled for symbols); for numbers,
    the eigenvalues against ``numpy.linalg.eigvals``."""
    M, P, D = d.matrix, d.P, d.D
    compare = Comparison(budget=budget, seed=seed)
    checks: list[tuple[str, Any]] = [
        ("A P = P D", compare.equal(M * P, P * D)),
        ("the factorisation multiplies out to A", compare.equal(d.result.doit(), M)),
    ]
    if d.diagonalizable:
        checks.append(("P is invertible", compare.nonzero_det(P)))
    if not M.free_symbols:
        ref = np.linalg.eigvals(as_array(M))
        got = np.array([complex(v.evalf(30)) for v in d.eigenvalues])
        checks.append(
            (
                "eigenvalues equal numpy.linalg.eigvals",
                _same_values(ref, got, float(np.abs(ref).max()), 1e-8),
            )
        )
    return all_true(checks, d.result, "numeric")


def _numeric_verdict(d: EigenDecomposition) -> Verdict:
    """``A P = P D`` and the eigenvalues against ``numpy.linalg.eigvals``, in floats."""
    A, P, D = as_array(d.matrix), as_array(d.P), as_array(d.D)
    scale = float(np.abs(A).max())
    return all_true(
        [
            ("A P = P D", close(A @ P, P @ D, scale)),
            (
                "eigenvalues equal numpy.linalg.eigvals",
                _same_values(np.linalg.eigvals(A), np.diag(D), scale),
            ),
        ],
        d.result,
        "numeric",
    )


def _same_values(ref: np.ndarray, got: np.ndarray, scale: float, tol: float = 1e-9) -> bool:
    """Whether two lists of (complex) eigenvalues agree, in any order."""
    ref = np.sort_complex(np.asarray(ref, dtype=complex))
    got = np.sort_complex(np.asarray(got, dtype=complex))
    return close(ref, got, scale, tol)
