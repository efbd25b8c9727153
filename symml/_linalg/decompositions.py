r"""Linear algebra with steps: eigen-decomposition, SVD, low-rank approximation,
projection, Gram–Schmidt, change of basis, null space and PCA.

======================  ===================================================================
function                result (a :class:`~symml.Derivation` subclass)
======================  ===================================================================
``eigen``               ``(P, D)`` with ``A = P D P^{-1}``: characteristic polynomial, its
                        roots, eigenvectors (exact for small matrices, NumPy for larger)
``svd``                 ``(U, Sigma, V^T)`` with ``A = U Sigma V^T``: exact for 2 x 2 via
                        the eigen-decomposition of ``A^T A``, NumPy otherwise
``low_rank``            the squared Frobenius error of the best rank-``k`` approximation
                        (Eckart–Young: the sum of the discarded squared singular values)
``projection``          ``P = A (A^T A)^{-1} A^T`` onto the column space, with its
                        properties; its numeric form goes through QR, never an inverse
``gram_schmidt``        ``Q`` with orthonormal columns spanning the given vectors (and ``R``)
``change_of_basis``     ``T`` with ``[v]_new = T [v]_old``
``coordinates``         ``c`` with ``B c = v``: the coordinates of ``v`` in a basis
``null_space``          a basis of ``{x : A x = 0}`` from the reduced row echelon form, with
                        the rank and the column space
``pca_derivation``      PCA derived: ``max w^T S w`` s.t. ``w^T w = 1`` gives ``S w = λ w``
``pca``                 numeric PCA of a data matrix (principal directions, explained
                        variance), computed through the SVD of the centred data
======================  ===================================================================

Exact (rational or symbolic) input is worked symbolically, each piece of
symbolic work within a time budget; floating-point input and larger matrices
go to NumPy (``numpy.linalg.eigh``/``eig``/``svd``/``qr``), and the steps say so.
Every result checks itself: ``.verify()`` tests the defining identity
(``A P = P D``, ``U Sigma V^T = A``, ``P^2 = P``, ...) and, for numbers,
compares with NumPy.

Examples
--------
>>> import sympy as sp
>>> from symml._linalg.decompositions import eigen, projection
>>> e = eigen(sp.Matrix([[2, 1], [1, 2]]))
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
>>> projection(sp.Matrix([1, 1])).result
Matrix([
[1/2, 1/2],
[1/2, 1/2]])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._core import (
    ArgumentError,
    BudgetExceededError,
    Derivation,
    NoClosedFormError,
    ShapeError,
    Step,
    Verdict,
    as_sympy,
    bad_argument,
    run_with_budget,
)

__all__ = [
    "PCA",
    "EigenDecomposition",
    "GramSchmidt",
    "LowRankApproximation",
    "NullSpace",
    "Projection",
    "SingularValueDecomposition",
    "change_of_basis",
    "coordinates",
    "eigen",
    "gram_schmidt",
    "low_rank",
    "null_space",
    "pca",
    "pca_derivation",
    "projection",
    "svd",
]

_SYMBOLIC_MAX = 4  # exact eigen-decompositions up to 4 x 4 (quartics have radicals)
_SHOW_MAX = 8  # numeric matrices up to 8 x 8 are shown in the steps (rounded)

# --------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------


def _as_matrix(A: Any, name: str = "A") -> sp.ImmutableMatrix:
    """A SymPy matrix from a Matrix, a nested list, a NumPy array or a Derivation."""
    if isinstance(A, Derivation):
        A = A.result
    if isinstance(A, np.ndarray):
        if A.ndim == 1:
            A = A.reshape(-1, 1)
        if A.ndim != 2:
            raise ShapeError(
                bad_argument(name, A, f"expected a 2-D array, got {A.ndim} dimensions")
            )
        if A.dtype.kind in "biu":
            return sp.ImmutableMatrix(A.shape[0], A.shape[1], [int(v) for v in A.ravel()])
        if A.dtype.kind not in "fc":
            raise ArgumentError(bad_argument(name, A, "expected a numeric array"))
        return sp.ImmutableMatrix(A.shape[0], A.shape[1], [sp.sympify(v) for v in A.ravel()])
    if isinstance(A, (list, tuple)):
        try:
            M = sp.ImmutableMatrix(A)
        except (ValueError, TypeError, sp.SympifyError):
            raise ShapeError(
                bad_argument(name, A, "expected a matrix: a list of rows of equal length")
            ) from None
    else:
        M = as_sympy(A, name)
    if isinstance(M, sp.MatrixExpr) and not isinstance(M, sp.MatrixBase):
        if not all(isinstance(d, (int, sp.Integer)) for d in M.shape):
            raise ShapeError(bad_argument(name, A, "give a matrix with numeric dimensions"))
        M = sp.ImmutableMatrix(M.as_explicit())
    if not isinstance(M, sp.MatrixBase):
        raise ShapeError(
            bad_argument(name, A, "expected a matrix, e.g. sympy.Matrix([[1, 2], [3, 4]])")
        )
    if 0 in M.shape:
        raise ShapeError(bad_argument(name, A, "the matrix is empty"))
    return sp.ImmutableMatrix(M)


def _as_array(A: Any, name: str = "A", *, ndim: int = 2) -> np.ndarray:
    """A float (or complex) NumPy array; SymPy input must be free of symbols."""
    if isinstance(A, Derivation):
        A = A.result
    if isinstance(A, (sp.MatrixBase, sp.MatrixExpr)):
        M = _as_matrix(A, name)
        if M.free_symbols:
            raise ArgumentError(
                bad_argument(
                    name,
                    A,
                    f"it has symbols {sorted(map(str, M.free_symbols))}; substitute numbers, "
                    "e.g. A.subs({a: 1})",
                )
            )
        values = [complex(v) for v in M.evalf()]
        arr = np.array(values).reshape(M.shape)
        if not np.iscomplexobj(arr) or np.all(arr.imag == 0):
            arr = arr.real.copy()
        return arr
    try:
        arr = np.asarray(A)
    except (ValueError, TypeError):
        raise ShapeError(bad_argument(name, A, "expected a rectangular array of numbers")) from None
    if arr.dtype == object or arr.dtype.kind not in "biufc":
        raise ArgumentError(bad_argument(name, A, "expected an array of numbers"))
    if arr.ndim == 1 and ndim == 2:
        arr = arr.reshape(-1, 1)
    if arr.ndim != ndim:
        raise ShapeError(bad_argument(name, A, f"expected a {ndim}-D array, got shape {arr.shape}"))
    if arr.dtype.kind != "c":
        arr = arr.astype(float)
    if 0 in arr.shape:
        raise ShapeError(bad_argument(name, A, "the array is empty"))
    if not np.all(np.isfinite(arr)):
        raise ArgumentError(bad_argument(name, A, "it has nan or inf entries; remove or fill them"))
    return arr


def _has_float(M: sp.MatrixBase) -> bool:
    return any(e.has(sp.Float) for e in M)


def _is_numeric_input(A: Any) -> bool:
    return isinstance(A, np.ndarray) and A.dtype.kind in "fc"


def _require_square(M: sp.MatrixBase, name: str, what: str, fix: str) -> None:
    if M.rows != M.cols:
        raise ShapeError(
            bad_argument(
                name, M, f"{what} needs a square matrix, got shape {M.rows} x {M.cols}; {fix}"
            )
        )


def _check_budget(budget: Any) -> float:
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0:
        raise ArgumentError(bad_argument("budget", budget, "use a positive number of seconds"))
    return float(budget)


_deadlines: list[float] = []  # ends of the budgets of the symbolic routes now running


def _within(func: Callable[[], Any], budget: float) -> tuple[Any, bool]:
    """``run_with_budget`` that the nested ``_simp`` calls cannot outlive."""
    _deadlines.append(time.monotonic() + budget)
    try:
        return run_with_budget(func, budget)
    finally:
        _deadlines.pop()


def _simp(expr: Any, seconds: float = 1.0) -> Any:
    """``simplify`` within a budget; the input unchanged when it runs out.

    Inside :func:`_within` the budget is cut to what the enclosing route has
    left, and running out of that raises, so the route stops on time.
    """
    if isinstance(expr, sp.MatrixBase):
        return sp.ImmutableMatrix(expr.rows, expr.cols, [_simp(e, seconds) for e in expr])
    if not isinstance(expr, sp.Expr) or expr.is_Atom:
        return expr
    if _deadlines:
        left = _deadlines[-1] - time.monotonic()
        if left <= 0:
            raise BudgetExceededError("the symbolic route ran out of its budget")
        seconds = min(seconds, left)
    value, finished = run_with_budget(lambda: sp.simplify(expr), seconds)
    if not finished and _deadlines and time.monotonic() >= _deadlines[-1]:
        raise BudgetExceededError("the symbolic route ran out of its budget")
    return value if finished else expr


def _show(values: Any, digits: int = 4) -> sp.Basic:
    """Floats rounded to ``digits`` significant digits, for display in steps."""
    arr = np.asarray(values)

    def num(v: Any) -> sp.Expr:
        v = complex(v)
        if v.imag == 0:
            return sp.Float(f"{v.real:.{digits}g}", digits)
        return sp.Float(f"{v.real:.{digits}g}", digits) + sp.I * sp.Float(
            f"{v.imag:.{digits}g}", digits
        )

    if arr.ndim == 0:
        return num(arr)
    if arr.ndim == 1:
        return sp.Tuple(*[num(v) for v in arr])
    return sp.ImmutableMatrix(arr.shape[0], arr.shape[1], [num(v) for v in arr.ravel()])


def _to_matrix(arr: np.ndarray) -> sp.ImmutableMatrix:
    arr = np.atleast_2d(arr)
    if np.iscomplexobj(arr):
        entries = [sp.Float(v.real) + sp.I * sp.Float(v.imag) for v in arr.ravel()]
    else:
        entries = [sp.Float(float(v)) for v in arr.ravel()]
    return sp.ImmutableMatrix(arr.shape[0], arr.shape[1], entries)


def _set(obj: Any, **attrs: Any) -> None:
    for key, value in attrs.items():
        object.__setattr__(obj, key, value)


def _fresh(name: str, taken: set[sp.Basic], **assumptions: Any) -> sp.Symbol:
    """``Symbol(name)``, or a Dummy of that name when ``A`` already uses the name."""
    names = {getattr(s, "name", None) for s in taken}
    return sp.Dummy(name, **assumptions) if name in names else sp.Symbol(name, **assumptions)


def _numeric_key(value: sp.Expr) -> tuple[float, float] | None:
    try:
        c = complex(value.evalf(30))
    except (TypeError, ValueError):
        return None
    return (-c.real, -c.imag)


def _sort_desc(items: list[Any], value: Callable[[Any], sp.Expr]) -> tuple[list[Any], bool]:
    """Sort by the value, largest first, when every value is a number."""
    keys = [_numeric_key(value(it)) for it in items]
    if any(k is None for k in keys):
        return items, False
    order = sorted(range(len(items)), key=lambda i: keys[i])
    return [items[i] for i in order], True


def _all_true(checks: Sequence[tuple[str, Any]], claimed: Any, method: str) -> Verdict:
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


def _exact_equal(a: Any, b: Any, **options: Any) -> Verdict:
    """Whether two matrices are equal: exactly, or at 50 digits when they hold no symbols."""
    A, B = sp.ImmutableMatrix(a), sp.ImmutableMatrix(b)
    if A.shape == B.shape and not (A.free_symbols or B.free_symbols):
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
    from .._check import check

    options.setdefault("budget", 1.0)
    verdict = check(A, B, **options)
    if verdict.method != "inconclusive":
        return verdict
    return _sampled_equal(A, B, verdict)


def _sampled_equal(A: sp.MatrixBase, B: sp.MatrixBase, inconclusive: Verdict) -> Verdict:
    """Float comparison at seeded random points, when the exact check could not decide."""
    from .._codegen import to_numpy
    from .._core import sample_arrays

    symbols = sorted(A.free_symbols | B.free_symbols, key=lambda s: s.name)
    points = sample_arrays(symbols, 64, seed=0)
    values = [points[s] for s in symbols]
    with np.errstate(all="ignore"):
        a = np.asarray(to_numpy(A, symbols)(*values), dtype=complex)
        b = np.asarray(to_numpy(B, symbols)(*values), dtype=complex)
    finite = np.isfinite(a) & np.isfinite(b)
    good = np.all(finite.reshape(-1, 64), axis=0)
    close = np.abs(a - b) <= 1e-8 * (1 + np.abs(b))
    agree = np.all((close | ~finite).reshape(-1, 64), axis=0)
    ok = int(good.sum()) >= 16 and bool(agree[good].all())
    return Verdict(
        ok,
        "numeric",
        claimed=A,
        expected=B,
        notes=(
            *inconclusive.notes,
            f"float comparison at {int(good.sum())} seeded random points instead",
        ),
        points=int(good.sum()),
    )


def _close(a: np.ndarray, b: np.ndarray, scale: float, tol: float = 1e-9) -> bool:
    return bool(np.all(np.abs(np.asarray(a) - np.asarray(b)) <= tol * (1.0 + scale)))


# --------------------------------------------------------------------------
# Eigen-decomposition
# --------------------------------------------------------------------------


class EigenDecomposition(Derivation):
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
        "eigenvectors",
        "jordan",
        "lam",
        "matrix",
        "method",
    )


def eigen(A: Any, *, numeric: bool | None = None, budget: float = 10.0) -> EigenDecomposition:
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
    >>> import sympy as sp
    >>> from symml._linalg.decompositions import eigen
    >>> e = eigen(sp.Matrix([[4, 1], [2, 3]]))
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

    >>> eigen(sp.Matrix([[1, 1], [0, 1]])).diagonalizable
    False
    """
    budget = _check_budget(budget)
    M = _as_matrix(A, "A")
    _require_square(M, "A", "eigen", "for a rectangular matrix use symml.svd(A) (singular values)")
    if numeric is None:
        numeric = (
            _is_numeric_input(A) or _has_float(M) or (M.rows > _SYMBOLIC_MAX and not M.free_symbols)
        )
    note, prefix = None, []
    if not numeric:
        try:
            result, finished = _within(lambda: _eigen_symbolic(M, budget), budget)
        except _NoRadicals as exc:
            result, finished, prefix = None, False, exc.steps
            note = exc.note
        if finished:
            return result
        if M.free_symbols:
            raise NoClosedFormError(
                bad_argument(
                    "A",
                    M,
                    f"the exact eigen-decomposition did not finish within {budget} s; "
                    "substitute numbers for the symbols or raise budget=",
                )
            )
        if note is None:
            note = f"the exact route ran out of its {budget:g} s budget, so NumPy computed it"
    elif M.free_symbols:
        raise ArgumentError(
            bad_argument("numeric", numeric, "A has symbols; substitute numbers first")
        )
    arr = _as_array(A if isinstance(A, np.ndarray) else M, "A")
    return _eigen_numeric(M, arr, note, prefix)


class _NoRadicals(Exception):
    """The characteristic polynomial has an irreducible factor of degree >= 3."""

    def __init__(self, steps: list[Step], note: str) -> None:
        super().__init__(note)
        self.steps, self.note = steps, note


def _eigen_symbolic(M: sp.ImmutableMatrix, budget: float) -> EigenDecomposition:
    n = M.rows
    lam = _fresh("lambda", M.free_symbols)
    char = sp.ImmutableMatrix(M - lam * sp.eye(n))
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
    if degree >= 3:
        if M.free_symbols:
            raise NoClosedFormError(
                bad_argument(
                    "A",
                    M,
                    f"the characteristic polynomial has an irreducible factor of degree {degree}, "
                    "whose roots in radicals are unwieldy or do not exist; substitute numbers",
                )
            )
        raise _NoRadicals(
            steps,
            f"the characteristic polynomial has an irreducible factor of degree {degree}: "
            "NumPy computed the roots",
        )
    triples = M.eigenvects(simplify=True)
    triples = [
        (_simp(v), m, [_simp(sp.ImmutableMatrix(vec)) for vec in vs]) for v, m, vs in triples
    ]
    triples, _ = _sort_desc(triples, lambda t: t[0])
    eigenvalues = tuple(v for v, m, _ in triples for _ in range(m))
    columns = [vec for _, _, vs in triples for vec in vs]
    diag = [v for v, _, vs in triples for _ in vs]
    P = sp.ImmutableMatrix.hstack(*columns)
    D = sp.ImmutableMatrix(sp.diag(*diag))
    diagonalizable = len(columns) == n

    steps.append(
        Step(
            sp.Tuple(*eigenvalues),
            "eigenvalues: the roots of the characteristic polynomial"
            + (" (with multiplicity)" if len(set(eigenvalues)) < n else ""),
            lhs=sp.latex(lam),
        )
    )
    for k, (value, mult, vectors) in enumerate(triples, start=1):
        shifted = _simp(sp.ImmutableMatrix(M - value * sp.eye(n)))
        steps.append(
            Step(
                shifted, f"A - lambda I at lambda = {sp.sstr(value)}", lhs=rf"A - \lambda_{{{k}}} I"
            )
        )
        why = "eigenvectors: solve (A - lambda I) v = 0, a basis of the null space"
        if len(vectors) < mult:
            why += f" (only {len(vectors)} for multiplicity {mult}: defective)"
        steps.append(Step(sp.ImmutableMatrix.hstack(*vectors), why, lhs=rf"\mathbf{{v}}_{{{k}}}"))
    steps.append(Step(P, "the eigenvectors as columns", lhs="P"))
    steps.append(Step(D, "the eigenvalues on the diagonal, in the same order", lhs="D"))
    jordan = None
    if diagonalizable:
        Pinv = _simp(sp.ImmutableMatrix(P.inv()))
        factor = sp.MatMul(P, D, Pinv, evaluate=False)
        steps.append(Step(factor, "diagonalisation: A = P D P^-1", lhs=M))
    else:
        Pj, J = M.jordan_form()
        Pj, J = _simp(sp.ImmutableMatrix(Pj)), sp.ImmutableMatrix(J)
        jordan = (Pj, J)
        factor = sp.MatMul(Pj, J, _simp(sp.ImmutableMatrix(Pj.inv())), evaluate=False)
        steps.append(
            Step(
                sp.MatMul(P, D, evaluate=False),
                f"A P = P D, but there are only {len(columns)} independent eigenvector(s) "
                f"in {n} dimensions: A is not diagonalisable",
                lhs=sp.MatMul(M, P, evaluate=False),
            )
        )
        steps.append(Step(J, "the Jordan form: eigenvalues on the diagonal, ones above", lhs="J"))
        steps.append(Step(factor, "A = P J P^-1 with generalised eigenvectors in P", lhs=M))
    d = EigenDecomposition(
        factor,
        steps,
        kind="eigen-decomposition",
        source=M,
        assumptions=_symbol_assumptions(M),
        verifier=_eigen_verdict,
    )
    _set(
        d,
        matrix=M,
        P=P,
        D=D,
        eigenvalues=eigenvalues,
        eigenvectors=tuple(columns),
        characteristic_polynomial=poly,
        lam=lam,
        diagonalizable=diagonalizable,
        jordan=jordan,
        method="symbolic",
    )
    return d


def _eigen_numeric(
    M: sp.ImmutableMatrix, arr: np.ndarray, note: str | None, prefix: Sequence[Step] = ()
) -> EigenDecomposition:
    n = arr.shape[0]
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
    values, vectors = values[order], vectors[:, order]
    lam = _fresh("lambda", M.free_symbols)
    P = _to_matrix(vectors)
    D = _to_matrix(np.diag(values))
    cond = np.linalg.cond(vectors)
    diagonalizable = bool(np.isfinite(cond) and cond < 1e10)
    steps: list[Step] = list(prefix)
    if prefix and note:
        steps.append(Step(_show(values), f"{note} ({how.split(' ')[0]})", lhs=sp.latex(lam)))
    else:
        if note:
            steps.append(Step(M, note, lhs="A"))
        steps.append(
            Step(_show(values), "eigenvalues: " + how + ", largest first", lhs=sp.latex(lam))
        )
    if symmetric:
        factor = sp.MatMul(P, D, P.T, evaluate=False)
        why = "A = P D P^T (P is orthogonal)"
    else:
        factor = sp.MatMul(P, D, _to_matrix(np.linalg.pinv(vectors)), evaluate=False)
        why = "A = P D P^-1" + (
            "" if diagonalizable else " (P is nearly singular: A is nearly defective)"
        )
    steps.append(Step(factor, why, lhs="A"))
    d = EigenDecomposition(
        factor,
        steps,
        kind="eigen-decomposition",
        source=M,
        verifier=_eigen_verdict,
    )
    _set(
        d,
        matrix=M,
        P=P,
        D=D,
        eigenvalues=tuple(
            sp.sympify(complex(v)) if np.iscomplexobj(values) else sp.Float(float(v))
            for v in values
        ),
        eigenvectors=tuple(P.col(j) for j in range(n)),
        characteristic_polynomial=None,
        lam=lam,
        diagonalizable=diagonalizable,
        jordan=None,
        method="numeric",
    )
    return d


def _symbol_assumptions(M: sp.MatrixBase) -> tuple[str, ...]:
    symbols = sorted(M.free_symbols, key=lambda s: s.name)
    return (f"{', '.join(s.name for s in symbols)} symbolic (generic values)",) if symbols else ()


def _eigen_verdict(d: Derivation, **options: Any) -> Verdict:
    """``A P = P D`` (exact or sampled); eigenvalues against ``numpy.linalg.eigvals``."""
    M, P, D = d.matrix, d.P, d.D  # type: ignore[attr-defined]
    if d.method == "numeric":  # type: ignore[attr-defined]
        A = _as_array(M)
        Pn, Dn = _as_array(P), _as_array(D)
        scale = float(np.abs(A).max())
        ok = _close(A @ Pn, Pn @ Dn, scale)
        ref = np.sort_complex(np.linalg.eigvals(A).astype(complex))
        got = np.sort_complex(np.diag(Dn).astype(complex))
        return _all_true(
            [
                ("A P = P D", ok),
                ("eigenvalues equal numpy.linalg.eigvals", _close(ref, got, scale)),
            ],
            d.result,
            "numeric",
        )
    checks: list[tuple[str, Any]] = [
        ("A P = P D", _exact_equal(M * P, P * D, **options)),
        ("the factorisation multiplies out to A", _exact_equal(d.result.doit(), M, **options)),
    ]
    if d.diagonalizable:  # type: ignore[attr-defined]
        checks.append(("P is invertible", _det_nonzero(P)))
    if not M.free_symbols:
        ref = np.sort_complex(np.linalg.eigvals(_as_array(M)).astype(complex))
        got = np.sort_complex(
            np.array([complex(v.evalf(30)) for v in d.eigenvalues])  # type: ignore[attr-defined]
        )
        checks.append(
            (
                "eigenvalues equal numpy.linalg.eigvals",
                _close(ref, got, float(np.abs(ref).max()), 1e-8),
            )
        )
    return _all_true(checks, d.result, "numeric")


def _det_nonzero(P: sp.MatrixBase) -> bool:
    det = _simp(P.det(), 1.0)
    if det.is_zero is True:
        return False
    if det.free_symbols:
        return det.is_zero is not True
    return abs(complex(det.evalf(30))) > 1e-12


# --------------------------------------------------------------------------
# Singular value decomposition
# --------------------------------------------------------------------------


class SingularValueDecomposition(Derivation):
    """``A = U Sigma V^T``; ``.result`` is that product, unevaluated (a ``MatMul``).

    Attributes
    ----------
    matrix, U, Sigma, V : ImmutableMatrix
        ``U`` (m x r) and ``V`` (n x r) have orthonormal columns; ``Sigma`` is
        r x r diagonal with ``r = min(m, n)``.
    singular_values : tuple
        Largest first (when they are numbers).
    method : str
        ``"symbolic"`` (2 x 2 via ``A^T A``) or ``"numeric"``.
    """

    __slots__ = ("Sigma", "U", "V", "matrix", "method", "singular_values")


def svd(A: Any, *, numeric: bool | None = None, budget: float = 10.0) -> SingularValueDecomposition:
    r"""Singular value decomposition ``A = U Sigma V^T``, with steps.

    A 2 x 2 matrix with exact entries is decomposed by hand, the textbook way:
    form ``A^T A``, find its eigenvalues ``λ_1 >= λ_2`` (they are ``>= 0``),
    take ``σ_i = sqrt(λ_i)``, the unit eigenvectors ``v_i`` as the columns of
    ``V``, and ``u_i = A v_i / σ_i`` as the columns of ``U`` (completed to an
    orthonormal basis when ``σ_2 = 0``). Other matrices go to
    ``numpy.linalg.svd`` (the thin SVD, ``r = min(m, n)``). Entries are
    taken to be real.

    Parameters
    ----------
    A : Matrix, nested list or NumPy array
    numeric : bool, optional
        Force the NumPy route; by default exact for 2 x 2 exact input.
    budget : float
        Seconds for the exact route (then NumPy, when ``A`` has no symbols).

    Returns
    -------
    SingularValueDecomposition
        ``.result`` is the product ``U Sigma V^T``, unevaluated; ``.U``,
        ``.Sigma``, ``.V`` and ``.singular_values`` hold the pieces.
        ``.verify()`` checks the product, the orthonormal columns and the
        singular values against ``numpy.linalg.svd``.

    Raises
    ------
    ShapeError
        ``numeric=False`` for a matrix that is not 2 x 2.
    ArgumentError
        A matrix with symbols that must take the numeric route.
    NoClosedFormError
        A matrix with symbols whose exact route runs out of ``budget``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._linalg.decompositions import svd
    >>> s = svd(sp.Matrix([[3, 0], [4, 5]]))
    >>> s.singular_values
    (3*sqrt(5), sqrt(5))
    >>> s.U * s.Sigma * s.V.T
    Matrix([
    [3, 0],
    [4, 5]])
    >>> [st.why for st in s.steps][:2]
    ['form A^T A (symmetric, positive semi-definite)', 'characteristic polynomial of A^T A']
    """
    budget = _check_budget(budget)
    M = _as_matrix(A, "A")
    if numeric is None:
        numeric = _is_numeric_input(A) or _has_float(M) or M.shape != (2, 2)
    note = None
    if not numeric:
        if M.shape != (2, 2):
            raise ShapeError(
                bad_argument(
                    "A", M, "the exact SVD is for 2 x 2 matrices; pass numeric=True for NumPy's"
                )
            )
        result, finished = _within(lambda: _svd_symbolic(M), budget)
        if finished:
            return result
        if M.free_symbols:
            raise NoClosedFormError(
                bad_argument(
                    "A", M, f"the exact SVD did not finish within {budget} s; substitute numbers"
                )
            )
        note = f"the exact route ran out of its {budget:g} s budget, so NumPy computed it"
    return _svd_numeric(M, _as_array(A if isinstance(A, np.ndarray) else M, "A"), note)


def _unit(v: sp.MatrixBase) -> sp.ImmutableMatrix:
    norm = sp.sqrt(sum((e**2 for e in v), sp.S.Zero))
    return _simp(sp.ImmutableMatrix(v / norm))


def _orthonormal_basis(vectors: list[sp.MatrixBase]) -> list[sp.ImmutableMatrix]:
    out: list[sp.ImmutableMatrix] = []
    for v in vectors:
        u = sp.Matrix(v)
        for q in out:
            u = u - (q.T * v)[0, 0] * q
        out.append(_unit(u))
    return out


def _svd_symbolic(M: sp.ImmutableMatrix) -> SingularValueDecomposition:
    AtA = _simp(sp.ImmutableMatrix(M.T * M))
    lam = _fresh("lambda", M.free_symbols)
    poly = sp.factor(sp.expand((AtA - lam * sp.eye(2)).det()))
    triples = AtA.eigenvects(simplify=True)
    triples, ordered = _sort_desc(triples, lambda t: t[0])
    values: list[sp.Expr] = []
    V_cols: list[sp.ImmutableMatrix] = []
    for value, _mult, vectors in triples:
        basis = _orthonormal_basis(vectors)
        values.extend([_simp(value)] * len(basis))
        V_cols.extend(basis)
    sigmas = [_simp(sp.sqrt(v)) for v in values]
    U_cols: list[sp.ImmutableMatrix] = []
    for s, v in zip(sigmas, V_cols, strict=True):
        if s.is_zero:
            continue
        U_cols.append(_simp(sp.ImmutableMatrix(M * v / s)))
    while len(U_cols) < 2:  # complete to an orthonormal basis of R^2
        if not U_cols:
            U_cols.append(sp.ImmutableMatrix([1, 0]))
        else:
            u = U_cols[0]
            U_cols.append(sp.ImmutableMatrix([-u[1], u[0]]))
    U = sp.ImmutableMatrix.hstack(*U_cols)
    V = sp.ImmutableMatrix.hstack(*V_cols)
    Sigma = sp.ImmutableMatrix(sp.diag(*sigmas))
    steps = [
        Step(AtA, "form A^T A (symmetric, positive semi-definite)", lhs=r"A^{\top} A"),
        Step(
            poly,
            "characteristic polynomial of A^T A",
            lhs=rf"\det(A^{{\top}} A - {sp.latex(lam)} I)",
        ),
        Step(
            sp.Tuple(*values),
            "its eigenvalues" + (", largest first" if ordered else ""),
            lhs=sp.latex(lam),
        ),
        Step(sp.Tuple(*sigmas), "singular values: square roots of the eigenvalues", lhs=r"\sigma"),
        Step(V, "unit eigenvectors of A^T A as columns", lhs="V"),
        Step(U, "u_i = A v_i / sigma_i (completed to an orthonormal basis)", lhs="U"),
        Step(sp.MatMul(U, Sigma, V.T, evaluate=False), "A = U Sigma V^T", lhs=M),
    ]
    d = SingularValueDecomposition(
        sp.MatMul(U, Sigma, V.T, evaluate=False),
        steps,
        kind="singular value decomposition",
        source=M,
        assumptions=("entries real",) if M.free_symbols else (),
        verifier=_svd_verdict,
    )
    _set(d, matrix=M, U=U, Sigma=Sigma, V=V, singular_values=tuple(sigmas), method="symbolic")
    return d


def _svd_numeric(
    M: sp.ImmutableMatrix, arr: np.ndarray, note: str | None
) -> SingularValueDecomposition:
    u, s, vt = np.linalg.svd(arr, full_matrices=False)
    U, V = _to_matrix(u), _to_matrix(vt.conj().T)
    Sigma = _to_matrix(np.diag(s))
    steps: list[Step] = []
    if note:
        steps.append(Step(M, note, lhs="A"))
    steps.append(Step(_show(s), "singular values: numpy.linalg.svd, largest first", lhs=r"\sigma"))
    steps.append(Step(sp.MatMul(U, Sigma, V.T, evaluate=False), "A = U Sigma V^T", lhs="A"))
    d = SingularValueDecomposition(
        sp.MatMul(U, Sigma, V.T, evaluate=False),
        steps,
        kind="singular value decomposition",
        source=M,
        verifier=_svd_verdict,
    )
    _set(
        d,
        matrix=M,
        U=U,
        Sigma=Sigma,
        V=V,
        singular_values=tuple(sp.Float(float(v)) for v in s),
        method="numeric",
    )
    return d


def _svd_verdict(d: Derivation, **options: Any) -> Verdict:
    """``U Sigma V^T = A``, orthonormal columns, and the values of ``numpy.linalg.svd``."""
    M, U, S, V = d.matrix, d.U, d.Sigma, d.V  # type: ignore[attr-defined]
    r = S.rows
    if d.method == "numeric":  # type: ignore[attr-defined]
        A, Un, Sn, Vn = (_as_array(X) for X in (M, U, S, V))
        scale = float(np.abs(A).max())
        return _all_true(
            [
                ("U Sigma V^T = A", _close(Un @ Sn @ Vn.conj().T, A, scale)),
                ("U^T U = I", _close(Un.conj().T @ Un, np.eye(r), 1.0)),
                ("V^T V = I", _close(Vn.conj().T @ Vn, np.eye(r), 1.0)),
            ],
            d.result,
            "numeric",
        )
    checks: list[tuple[str, Any]] = [
        ("U Sigma V^T = A", _exact_equal(U * S * V.T, M, **options)),
        ("U^T U = I", _exact_equal(U.T * U, sp.eye(r), **options)),
        ("V^T V = I", _exact_equal(V.T * V, sp.eye(r), **options)),
    ]
    if not M.free_symbols:
        ref = np.linalg.svd(_as_array(M), compute_uv=False)
        got = np.array([float(v.evalf(30)) for v in d.singular_values])  # type: ignore[attr-defined]
        checks.append(("sigma equal numpy.linalg.svd", _close(ref, got, float(ref.max()), 1e-8)))
    return _all_true(checks, d.result, "numeric")


# --------------------------------------------------------------------------
# Low-rank approximation (Eckart–Young)
# --------------------------------------------------------------------------


class LowRankApproximation(Derivation):
    """The best rank-``k`` approximation ``A_k`` of ``A`` (NumPy arrays).

    ``.result`` is the squared Frobenius error ``||A - A_k||_F^2``, which by
    the Eckart–Young theorem equals the sum of the discarded squared singular
    values.

    Attributes
    ----------
    matrix : ndarray
        ``A_k = U_k diag(σ_1..σ_k) V_k^T``, same shape as ``A``.
    k : int
    singular_values : ndarray
        All of them, largest first.
    error : float
        ``||A - A_k||_F^2``, measured directly on the arrays.
    discarded : float
        ``σ_{k+1}^2 + ... + σ_r^2``.
    relative_error : float
        ``error / ||A||_F^2``.
    spectral_error : float
        ``||A - A_k||_2 = σ_{k+1}`` (0 when nothing is discarded).
    storage : int
        Numbers needed to store ``A_k`` as factors: ``k (m + n + 1)``.
    U, s, Vt : ndarray
        The kept factors (``m x k``, ``k``, ``k x n``).
    """

    __slots__ = (
        "U",
        "Vt",
        "discarded",
        "error",
        "k",
        "matrix",
        "relative_error",
        "s",
        "singular_values",
        "spectral_error",
        "storage",
    )


def low_rank(A: Any, k: int) -> LowRankApproximation:
    r"""The best rank-``k`` approximation of a matrix (Eckart–Young), on NumPy arrays.

    Truncating the SVD ``A = sum_i σ_i u_i v_i^T`` after ``k`` terms gives the
    rank-``k`` matrix closest to ``A`` in the Frobenius and spectral norms;
    the squared Frobenius error is the sum of the discarded ``σ_i^2``, as
    the ``u_i v_i^T`` are orthonormal in the Frobenius inner product.
    Works on large arrays (images, ratings matrices): nothing is converted
    to SymPy.

    Parameters
    ----------
    A : 2-D array, nested list or SymPy matrix of numbers
    k : int
        The rank kept, ``0 <= k <= min(m, n)``.

    Returns
    -------
    LowRankApproximation
        ``.result`` is ``||A - A_k||_F^2`` as a SymPy Float; ``.matrix`` is
        ``A_k``; ``.verify()`` compares the measured error with the discarded
        singular values.

    Examples
    --------
    >>> import numpy as np
    >>> from symml._linalg.decompositions import low_rank
    >>> A = np.array([[3.0, 1.0, 1.0], [-1.0, 3.0, 1.0]])
    >>> lr = low_rank(A, 1)
    >>> lr.singular_values.round(6)
    array([3.464102, 3.162278])
    >>> round(lr.error, 9), round(lr.discarded, 9)        # = σ_2**2
    (10.0, 10.0)
    >>> np.linalg.matrix_rank(lr.matrix)
    np.int64(1)
    """
    arr = _as_array(A, "A")
    m, n = arr.shape
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= min(m, n):
        raise ArgumentError(
            bad_argument("k", k, f"use an integer rank between 0 and min(m, n) = {min(m, n)}")
        )
    k = int(k)
    u, s, vt = np.linalg.svd(arr, full_matrices=False)
    Ak = (u[:, :k] * s[:k]) @ vt[:k]
    error = float(np.sum(np.abs(arr - Ak) ** 2))
    discarded = float(np.sum(s[k:] ** 2))
    total = float(np.sum(np.abs(arr) ** 2))
    r = int(np.sum(s > s[0] * max(m, n) * np.finfo(float).eps)) if s.size and s[0] > 0 else 0

    i = sp.Symbol("i", integer=True, positive=True)
    sigma = sp.IndexedBase("sigma")
    uu, vv = sp.IndexedBase("u"), sp.IndexedBase("v")
    vT = sp.Symbol(r"\top")
    term = sigma[i] * uu[i] * vv[i] ** vT

    def steps() -> list[Step]:
        kept = min(k, len(s))
        out = [
            Step(
                sp.Sum(term, (i, 1, r)),
                f"SVD as a sum of rank-one matrices (rank r = {r})",
                lhs="A",
            ),
            Step(
                sp.Sum(term, (i, 1, k)),
                "keep the k largest terms: the best rank-k approximation (Eckart-Young)",
                lhs=f"A_{{{k}}}",
            ),
            Step(
                sp.Sum(sigma[i] ** 2, (i, k + 1, r)),
                "the u_i v_i^T are orthonormal, so the squared error is the discarded sigma_i^2",
                lhs=rf"\|A - A_{{{k}}}\|_F^2",
            ),
        ]
        shown = [_show(v**2) for v in s[kept : kept + 6]]
        if shown:
            more = [sp.Symbol(r"\ldots")] if len(s) - kept > 6 else []
            out.append(
                Step(
                    sp.Tuple(*shown, *more),
                    "the discarded sigma_i^2 (rounded), largest first",
                    lhs=rf"(\sigma_{{{k + 1}}}^2, \ldots)"
                    if len(s) - kept > 1
                    else rf"\sigma_{{{k + 1}}}^2",
                )
            )
        out.append(Step(sp.Float(discarded), "their sum", lhs=rf"\|A - A_{{{k}}}\|_F^2"))
        return out

    d = LowRankApproximation(
        sp.Float(discarded),
        steps,
        kind="low-rank approximation",
        verifier=_low_rank_verdict,
    )
    _set(
        d,
        matrix=Ak,
        k=k,
        singular_values=s,
        error=error,
        discarded=discarded,
        relative_error=error / total if total else 0.0,
        spectral_error=float(s[k]) if k < len(s) else 0.0,
        storage=k * (m + n + 1),
        U=u[:, :k],
        s=s[:k],
        Vt=vt[:k],
    )
    return d


def _low_rank_verdict(d: Derivation, **options: Any) -> Verdict:
    err, disc = d.error, d.discarded  # type: ignore[attr-defined]
    total = float(np.sum(d.singular_values**2))  # type: ignore[attr-defined]
    ok = abs(err - disc) <= 1e-9 * (1.0 + total)
    return Verdict(
        ok,
        "numeric",
        claimed=sp.Float(err),
        expected=sp.Float(disc),
        claimed_value=None if ok else err,
        expected_value=None if ok else disc,
        counterexample=None if ok else {},
        notes=("||A - A_k||_F^2 measured on the arrays against the discarded sigma_i^2",),
        points=1,
    )


# --------------------------------------------------------------------------
# Projection onto a column space
# --------------------------------------------------------------------------


class Projection(Derivation):
    """The projection matrix onto the column space of ``A``; ``.result`` is ``P``.

    Attributes
    ----------
    matrix : ImmutableMatrix
        ``A`` (m x n, independent columns).
    gram, gram_inverse : ImmutableMatrix or None
        ``A^T A`` and its inverse (exact route only).

    Methods
    -------
    project(b, values=None)
        ``P b`` computed numerically through QR (no inverse formed).
    residual(b, values=None)
        ``b - P b``, orthogonal to the columns of ``A``.
    to_numpy(args=None)
        ``P`` as a NumPy function of the symbols of ``A``, through QR.
    """

    __slots__ = ("gram", "gram_inverse", "matrix")

    def _numeric_A(self, values: Any) -> np.ndarray:
        M = self.matrix
        if M.free_symbols:
            if not isinstance(values, dict):
                raise ArgumentError(
                    bad_argument(
                        "values",
                        values,
                        f"A has symbols {sorted(map(str, M.free_symbols))}; pass values={{a: 1.0}}",
                    )
                )
            M = M.subs(values)
        return _as_array(M, "values")

    def project(self, b: Any, values: dict | None = None) -> np.ndarray:
        """``P b`` through QR: ``A = Q R``, ``P b = Q (Q^T b)``; ``b`` of shape (m,) or (m, k).

        Examples
        --------
        >>> import sympy as sp
        >>> from symml._linalg.decompositions import projection
        >>> P = projection(sp.Matrix([[1, 0], [0, 1], [0, 0]]))
        >>> P.project([3.0, 4.0, 5.0])
        array([3., 4., 0.])
        """
        A = self._numeric_A(values)
        vec = np.asarray(b, dtype=float)
        if vec.shape[0] != A.shape[0] or vec.ndim > 2:
            raise ShapeError(
                bad_argument("b", b, f"expected {A.shape[0]} entries (one per row of A)")
            )
        Q, _ = np.linalg.qr(A)
        return Q @ (Q.T @ vec)

    def residual(self, b: Any, values: dict | None = None) -> np.ndarray:
        """``b - P b``: what least squares cannot fit; ``A^T (b - P b) = 0``."""
        return np.asarray(b, dtype=float) - self.project(b, values)

    def to_numpy(self, args: Sequence[Any] | None = None, **options: Any) -> Callable[..., Any]:
        """``P`` as a vectorised NumPy function of ``A``'s symbols, computed as ``Q Q^T``.

        The entries of ``A`` come from :func:`symml.to_numpy`; ``P`` is then
        formed from a QR factorisation of the numeric ``A`` (stable: no
        ``(A^T A)^{-1}``). Where ``A`` loses rank the output is ``nan``.
        Output shape ``(m, m, *S)`` for inputs broadcasting to shape ``S``.
        """
        from .._codegen import to_numpy

        args = self.default_args() if args is None else list(args)
        entries = to_numpy(self.matrix, args, **options)
        m, n = self.matrix.shape

        def projector(*values: Any) -> np.ndarray:
            A = np.asarray(entries(*values), dtype=float)  # (m, n, *S); a column: (m, *S)
            if n == 1:
                A = A.reshape((m, 1, *A.shape[1:]))
            batch = np.moveaxis(A, (0, 1), (-2, -1))
            Q, R = np.linalg.qr(batch)
            P = Q @ np.swapaxes(Q, -1, -2)
            diag = np.abs(np.diagonal(R, axis1=-2, axis2=-1))
            scale = np.abs(batch).max(axis=(-2, -1))
            deficient = diag.min(axis=-1) <= 1e-12 * max(m, n) * scale
            P = np.where(deficient[..., None, None], np.nan, P)
            return np.moveaxis(P, (-2, -1), (0, 1))

        projector.__name__ = "projector"
        return projector


def projection(A: Any) -> Projection:
    r"""Projection onto the column space of ``A``: ``P = A (A^T A)^{-1} A^T``, with steps.

    The steps derive ``P`` from least squares: the residual ``b - A x`` must be
    orthogonal to every column of ``A`` (``A^T (b - A x) = 0``), so
    ``A^T A x = A^T b`` (the normal equations), ``x = (A^T A)^{-1} A^T b`` and
    the projection is ``p = A x = P b``. They then compute ``A^T A``, its
    inverse and ``P`` for this ``A``, and show ``P^2 = P``, ``P^T = P`` and
    ``A^T (I - P) = 0`` (the residual is orthogonal to the column space).

    Numeric forms (:meth:`Projection.project`, :meth:`Projection.to_numpy`)
    use a QR factorisation ``A = Q R`` and ``P = Q Q^T``; they never form
    ``(A^T A)^{-1}``, whose condition number is the square of ``A``'s.

    Parameters
    ----------
    A : Matrix, nested list or NumPy array (m x n)
        Its columns must be linearly independent (rank n).

    Raises
    ------
    ArgumentError
        The columns of ``A`` are dependent (``A^T A`` is singular).

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._linalg.decompositions import projection
    >>> A = sp.Matrix([[1, 0], [1, 1], [1, 2]])
    >>> P = projection(A)
    >>> P.result
    Matrix([
    [ 5/6, 1/3, -1/6],
    [ 1/3, 1/3,  1/3],
    [-1/6, 1/3,  5/6]])
    >>> P.result**2 == P.result, A.T * (sp.eye(3) - P.result) == sp.zeros(2, 3)
    (True, True)
    >>> P.project([6.0, 0.0, 0.0]).round(12)        # through QR
    array([ 5.,  2., -1.])
    """
    numeric = _is_numeric_input(A)
    M = _as_matrix(A, "A") if not numeric else None
    if numeric or (M is not None and _has_float(M)):
        return _projection_numeric(A if numeric else M)
    assert M is not None
    m, n = M.shape
    rank, finished = run_with_budget(lambda: M.rank(simplify=True), 5.0)
    if finished and rank < n:
        raise ArgumentError(
            bad_argument(
                "A",
                M,
                f"its columns are linearly dependent (rank {rank} < {n} columns), so A^T A is "
                "singular; drop dependent columns (symml.null_space(A) shows them) or project "
                "onto an orthonormal basis from symml.gram_schmidt",
            )
        )
    gram = _simp(sp.ImmutableMatrix(M.T * M))
    det = _simp(gram.det())
    if det.is_zero:
        raise ArgumentError(
            bad_argument("A", M, "A^T A is singular (det = 0): the columns are dependent")
        )
    gram_inv = _simp(sp.ImmutableMatrix(gram.inv()))
    P = _simp(sp.ImmutableMatrix(M * gram_inv * M.T))

    def steps() -> list[Step]:
        Am, b = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("b", m, 1)
        x = sp.MatrixSymbol(r"\hat{x}", n, 1)
        p = sp.MatrixSymbol("p", m, 1)
        generic = Am * sp.Inverse(Am.T * Am) * Am.T
        zero_n = sp.ZeroMatrix(n, 1)
        return [
            Step(
                zero_n,
                "the residual b - A x is orthogonal to every column of A",
                lhs=Am.T * (b - Am * x),
            ),
            Step(Am.T * b, "the normal equations", lhs=Am.T * Am * x),
            Step(
                sp.Inverse(Am.T * Am) * Am.T * b,
                "A^T A is invertible: the columns are independent",
                lhs=x,
            ),
            Step(generic * b, "the projection of b is A x", lhs=p),
            Step(generic, "so p = P b with", lhs="P"),
            Step(gram, "for this A", lhs=r"A^{\top} A"),
            Step(gram_inv, "invert", lhs=r"(A^{\top} A)^{-1}"),
            Step(P, "multiply out", lhs="P"),
            Step(
                _simp(sp.ImmutableMatrix(P * P - P)),
                "idempotent: projecting twice changes nothing",
                lhs=r"P^{2} - P",
            ),
            Step(_simp(sp.ImmutableMatrix(P.T - P)), "symmetric", lhs=r"P^{\top} - P"),
            Step(
                _simp(sp.ImmutableMatrix(M.T * (sp.eye(m) - P))),
                "the residual (I - P) b is orthogonal to the columns of A",
                lhs=r"A^{\top} (I - P)",
            ),
        ]

    d = Projection(
        P,
        steps,
        kind="projection",
        source=M,
        assumptions=_symbol_assumptions(M),
        verifier=_projection_verdict,
    )
    _set(d, matrix=M, gram=gram, gram_inverse=gram_inv)
    return d


def _projection_numeric(A: Any) -> Projection:
    arr = _as_array(A, "A")
    m, n = arr.shape
    if np.iscomplexobj(arr):
        raise ArgumentError(bad_argument("A", A, "projection takes real matrices"))
    Q, R = np.linalg.qr(arr)
    diag = np.abs(np.diag(R))
    tol = max(m, n) * np.finfo(float).eps * np.abs(arr).max()
    rank = int(np.sum(diag > tol)) if n <= m else int(np.linalg.matrix_rank(arr))
    if n > m or rank < n:
        raise ArgumentError(
            bad_argument(
                "A",
                A,
                f"its columns are linearly dependent (rank {min(rank, m)} < {n} columns), so "
                "A^T A is singular; drop dependent columns or use an orthonormal basis",
            )
        )
    P = Q @ Q.T
    M = _to_matrix(arr)
    steps = [
        Step(
            sp.MatMul(sp.MatrixSymbol("Q", m, n), sp.MatrixSymbol("R", n, n)),
            "QR factorisation (numpy.linalg.qr): Q has orthonormal columns",
            lhs="A",
        ),
        Step(
            sp.MatrixSymbol("Q", m, n) * sp.MatrixSymbol("Q", m, n).T,
            "P = A (A^T A)^{-1} A^T = Q R (R^T R)^{-1} R^T Q^T = Q Q^T, with no inverse formed",
            lhs="P",
        ),
    ]
    if m <= _SHOW_MAX:
        steps.append(Step(_show(P), "numerically (rounded)", lhs="P"))
    d = Projection(_to_matrix(P), steps, kind="projection", source=M, verifier=_projection_verdict)
    _set(d, matrix=M, gram=None, gram_inverse=None)
    return d


def _projection_verdict(d: Derivation, **options: Any) -> Verdict:
    """``P^2 = P``, ``P^T = P``, ``P A = A``: exact, or on the numbers."""
    P, M = d.result, d.matrix  # type: ignore[attr-defined]
    if _has_float(P):
        Pn, A = _as_array(P), _as_array(M)
        return _all_true(
            [
                ("P^2 = P", _close(Pn @ Pn, Pn, 1.0)),
                ("P^T = P", _close(Pn.T, Pn, 1.0)),
                ("P A = A", _close(Pn @ A, A, float(np.abs(A).max()))),
            ],
            P,
            "numeric",
        )
    return _all_true(
        [
            ("P^2 = P", _exact_equal(P * P, P, **options)),
            ("P^T = P", _exact_equal(P.T, P, **options)),
            ("P A = A", _exact_equal(P * M, M, **options)),
        ],
        P,
        "numeric",
    )


# --------------------------------------------------------------------------
# Gram–Schmidt
# --------------------------------------------------------------------------


class GramSchmidt(Derivation):
    """Orthonormal columns ``Q`` (``.result``) with ``V = Q R``.

    Attributes
    ----------
    vectors : ImmutableMatrix
        The input vectors as columns.
    R : ImmutableMatrix
        Upper triangular, ``R = Q^T V`` (exactly ``V = Q R``).
    """

    __slots__ = ("R", "vectors")


def _as_vectors(vectors: Any) -> sp.ImmutableMatrix:
    if (
        isinstance(vectors, (list, tuple))
        and vectors
        and all(isinstance(v, (sp.MatrixBase, np.ndarray, list, tuple)) for v in vectors)
    ):
        cols = [_as_matrix(v, "vectors") for v in vectors]
        cols = [c if c.cols == 1 else c.T for c in cols]
        if any(c.cols != 1 for c in cols) or len({c.rows for c in cols}) != 1:
            raise ShapeError(bad_argument("vectors", vectors, "give vectors of one common length"))
        return sp.ImmutableMatrix.hstack(*cols)
    return _as_matrix(vectors, "vectors")


def gram_schmidt(vectors: Any, *, normalize: bool = True) -> GramSchmidt:
    r"""Orthonormalise vectors by Gram–Schmidt, with one step per subtraction.

    ``u_k = v_k - sum_{j<k} (q_j^T v_k) q_j`` removes the components along the
    earlier directions, then ``q_k = u_k / ||u_k||``.

    Parameters
    ----------
    vectors : Matrix (the vectors as columns) or a list of vectors
    normalize : bool
        False keeps the orthogonal (not unit) ``u_k``.

    Raises
    ------
    ArgumentError
        A vector is a combination of the ones before it.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._linalg.decompositions import gram_schmidt
    >>> g = gram_schmidt([sp.Matrix([3, 4]), sp.Matrix([1, 0])])
    >>> g.result
    Matrix([
    [3/5,  4/5],
    [4/5, -3/5]])
    >>> g.result * g.R
    Matrix([
    [3, 1],
    [4, 0]])
    >>> [s.why for s in g.steps][:2]
    ['normalise: divide by the length 5', 'subtract the projection onto q_1']
    """
    V = _as_vectors(vectors)
    k = V.cols
    qs: list[sp.ImmutableMatrix] = []
    units: list[sp.ImmutableMatrix] = []
    steps: list[Step] = []
    for j in range(k):
        v = V.col(j)
        u = sp.Matrix(v)
        for q in units:
            coef = _simp((q.T * v)[0, 0] / (q.T * q)[0, 0])
            u = u - coef * q
        u = _simp(sp.ImmutableMatrix(u))
        if j:
            earlier = ", ".join(f"q_{i + 1}" for i in range(j))
            steps.append(
                Step(
                    u,
                    f"subtract the projection{'s' if j > 1 else ''} onto {earlier}",
                    lhs=rf"\mathbf{{u}}_{{{j + 1}}}",
                )
            )
        if all(_simp(e).is_zero for e in u):
            raise ArgumentError(
                bad_argument(
                    "vectors",
                    V,
                    f"vector {j + 1} is a linear combination of the ones before it; remove it "
                    "(symml.null_space(V) shows the dependency)",
                )
            )
        norm = _simp(sp.sqrt(sum((e**2 for e in u), sp.S.Zero)))
        q = _simp(sp.ImmutableMatrix(u / norm)) if normalize else u
        units.append(q)
        qs.append(q)
        if normalize:
            steps.append(
                Step(
                    q,
                    f"normalise: divide by the length {sp.sstr(norm)}",
                    lhs=rf"\mathbf{{q}}_{{{j + 1}}}",
                )
            )
    Q = sp.ImmutableMatrix.hstack(*qs)
    if normalize:
        R = _simp(sp.ImmutableMatrix(Q.T * V))
    else:
        D = sp.diag(*[1 / (q.T * q)[0, 0] for q in qs])
        R = _simp(sp.ImmutableMatrix(D * Q.T * V))
    steps.append(Step(Q, "the vectors as columns", lhs="Q"))
    steps.append(Step(R, "R = Q^T V is upper triangular, so V = Q R", lhs="R"))
    d = GramSchmidt(
        Q,
        steps,
        kind="Gram-Schmidt",
        source=V,
        assumptions=_symbol_assumptions(V),
        verifier=_gs_verdict,
    )
    _set(d, vectors=V, R=R)
    return d


def _gs_verdict(d: Derivation, **options: Any) -> Verdict:
    Q, R, V = d.result, d.R, d.vectors  # type: ignore[attr-defined]
    gram = Q.T * Q
    orth = sp.diag(*[gram[i, i] for i in range(gram.rows)])
    return _all_true(
        [
            ("Q^T Q is diagonal (identity when normalised)", _exact_equal(gram, orth, **options)),
            ("Q R = V", _exact_equal(Q * R, V, **options)),
            (
                "R is upper triangular",
                all(_simp(R[i, j]).is_zero for i in range(R.rows) for j in range(i)),
            ),
        ],
        Q,
        "numeric",
    )


# --------------------------------------------------------------------------
# Change of basis and coordinates
# --------------------------------------------------------------------------


def _basis(B: Any, name: str) -> sp.ImmutableMatrix:
    M = _as_vectors(B)
    _require_square(M, name, "a basis", "give n vectors of length n as the columns")
    det = _simp(M.det())
    if det.is_zero:
        raise ArgumentError(
            bad_argument(name, M, "its columns are linearly dependent (det = 0): not a basis")
        )
    return M


def change_of_basis(old: Any, new: Any) -> Derivation:
    r"""The matrix ``T`` that turns coordinates in the ``old`` basis into the ``new`` one.

    A vector ``v = B_old c_old = B_new c_new`` (bases as columns), so
    ``c_new = B_new^{-1} B_old c_old`` and ``T = B_new^{-1} B_old``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._linalg.decompositions import change_of_basis
    >>> standard = sp.eye(2)
    >>> rotated = sp.Matrix([[1, -1], [1, 1]])          # columns (1, 1) and (-1, 1)
    >>> T = change_of_basis(standard, rotated)
    >>> T.result
    Matrix([
    [ 1/2, 1/2],
    [-1/2, 1/2]])
    >>> T.result * sp.Matrix([2, 0])                    # (2, 0) = (1, 1) - (-1, 1)
    Matrix([
    [ 1],
    [-1]])
    """
    B_old, B_new = _basis(old, "old"), _basis(new, "new")
    if B_old.shape != B_new.shape:
        raise ShapeError(
            bad_argument("new", B_new, f"both bases must be {B_old.rows} x {B_old.rows}")
        )
    inv = _simp(sp.ImmutableMatrix(B_new.inv()))
    T = _simp(sp.ImmutableMatrix(inv * B_old))
    n = B_old.rows
    Bo, Bn = sp.MatrixSymbol("B_old", n, n), sp.MatrixSymbol("B_new", n, n)
    c = sp.MatrixSymbol("c_old", n, 1)
    steps = [
        Step(Bn * sp.MatrixSymbol("c_new", n, 1), "the same vector in both bases", lhs=Bo * c),
        Step(sp.Inverse(Bn) * Bo * c, "multiply by B_new^{-1}", lhs=sp.MatrixSymbol("c_new", n, 1)),
        Step(inv, "invert the new basis", lhs=r"B_{\mathrm{new}}^{-1}"),
        Step(T, "T = B_new^{-1} B_old", lhs="T"),
    ]
    return Derivation(
        T,
        steps,
        kind="change of basis",
        source=B_old,
        verifier=lambda d, **kw: _exact_equal(B_new * d.result, B_old, **kw),
    )


def coordinates(v: Any, basis: Any) -> Derivation:
    r"""The coordinates ``c`` of ``v`` in a basis: the solution of ``B c = v``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._linalg.decompositions import coordinates
    >>> coordinates(sp.Matrix([3, 1]), sp.Matrix([[1, 1], [1, -1]])).result
    Matrix([
    [2],
    [1]])
    """
    B = _basis(basis, "basis")
    vec = _as_matrix(v, "v")
    if vec.cols != 1:
        vec = vec.T
    if vec.shape != (B.rows, 1):
        raise ShapeError(bad_argument("v", v, f"expected a vector of length {B.rows}"))
    c = _simp(sp.ImmutableMatrix(B.LUsolve(vec)))
    n = B.rows
    Bs, cs = sp.MatrixSymbol("B", n, n), sp.MatrixSymbol("c", n, 1)
    steps = [
        Step(vec, "v as a combination of the basis vectors (the columns of B)", lhs=Bs * cs),
        Step(sp.Inverse(Bs) * sp.MatrixSymbol("v", n, 1), "B is invertible", lhs=cs),
        Step(c, "solve", lhs="c"),
    ]
    return Derivation(
        c,
        steps,
        kind="coordinates",
        source=vec,
        verifier=lambda d, **kw: _exact_equal(B * d.result, vec, **kw),
    )


# --------------------------------------------------------------------------
# Rank and null space
# --------------------------------------------------------------------------


class NullSpace(Derivation):
    """A basis of the null space as columns (``.result``, n x nullity).

    Attributes
    ----------
    matrix : ImmutableMatrix
    rank, nullity : int
        ``rank + nullity = n`` (the number of columns).
    pivots : tuple of int
        Pivot columns of the reduced row echelon form (exact route).
    rref : ImmutableMatrix or None
    column_space : ImmutableMatrix
        A basis of the column space: the pivot columns of ``A`` (exact
        route) or the leading left singular vectors (numeric route).
    """

    __slots__ = ("column_space", "matrix", "nullity", "pivots", "rank", "rref")


def null_space(A: Any, *, rtol: float | None = None) -> NullSpace:
    r"""Rank, null space and column space of ``A`` from its reduced row echelon form.

    Exact route: row reduce ``A`` to ``R`` (the pivots give the rank), write
    the pivot variables in terms of the free ones and read off one basis
    vector per free variable. Floating-point input goes through the SVD:
    the rank counts singular values above ``rtol * σ_max`` and the null space
    is spanned by the remaining right singular vectors.

    Parameters
    ----------
    A : Matrix, nested list or NumPy array
    rtol : float, optional
        Numeric route only; default ``max(m, n) * machine epsilon``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._linalg.decompositions import null_space
    >>> N = null_space(sp.Matrix([[1, 2, 3], [2, 4, 6]]))
    >>> N.rank, N.nullity
    (1, 2)
    >>> N.result
    Matrix([
    [-2, -3],
    [ 1,  0],
    [ 0,  1]])
    >>> sp.Matrix([[1, 2, 3], [2, 4, 6]]) * N.result
    Matrix([
    [0, 0],
    [0, 0]])
    """
    if _is_numeric_input(A) or _has_float(_as_matrix(A, "A")):
        return _null_space_numeric(A, rtol)
    M = _as_matrix(A, "A")
    m, n = M.shape
    R, pivots = M.rref(simplify=True)
    R = sp.ImmutableMatrix(R)
    rank = len(pivots)
    basis = [_simp(sp.ImmutableMatrix(v)) for v in M.nullspace(simplify=True)]
    N = sp.ImmutableMatrix.hstack(*basis) if basis else sp.ImmutableMatrix.zeros(n, 0)
    free = [j for j in range(n) if j not in pivots]
    xs = sp.symbols(f"x_1:{n + 1}")
    general = sp.ImmutableMatrix(
        [
            xs[j] if j in free else -sum((R[pivots.index(j), f] * xs[f] for f in free), sp.S.Zero)
            for j in range(n)
        ]
    )
    colspace = (
        sp.ImmutableMatrix.hstack(*[M.col(j) for j in pivots])
        if pivots
        else sp.ImmutableMatrix.zeros(m, 0)
    )
    steps = [
        Step(R, "row reduce to the reduced row echelon form", lhs=r"\operatorname{rref}(A)"),
        Step(
            sp.Integer(rank),
            "rank: the number of pivots (columns "
            + (", ".join(str(j + 1) for j in pivots) or "none")
            + ")",
            lhs=r"\operatorname{rank} A",
        ),
        Step(
            general,
            "solve A x = 0: pivot variables in terms of the free ones "
            + (f"({', '.join(f'x_{j + 1}' for j in free)})" if free else "(none: only x = 0)"),
            lhs=r"\mathbf{x}",
        ),
        Step(N, "one basis vector per free variable", lhs=r"\operatorname{null} A"),
        Step(
            sp.Integer(rank + len(free)),
            f"rank-nullity: rank + nullity = {rank} + {len(free)} = n",
            lhs=r"\operatorname{rank} A + \dim \operatorname{null} A",
        ),
    ]
    d = NullSpace(N, steps, kind="null space", source=M, verifier=_null_space_verdict)
    _set(
        d,
        matrix=M,
        rank=rank,
        nullity=len(free),
        pivots=tuple(pivots),
        rref=R,
        column_space=colspace,
    )
    return d


def _null_space_numeric(A: Any, rtol: float | None) -> NullSpace:
    arr = _as_array(A, "A")
    m, n = arr.shape
    u, s, vt = np.linalg.svd(arr)
    if rtol is None:
        rtol = max(m, n) * np.finfo(float).eps
    rank = int(np.sum(s > rtol * (s[0] if s.size else 0.0))) if s.size and s[0] > 0 else 0
    basis = vt[rank:].conj().T
    N = _to_matrix(basis) if basis.shape[1] else sp.ImmutableMatrix.zeros(n, 0)
    steps = [
        Step(_show(s), "singular values (numpy.linalg.svd)", lhs=r"\sigma"),
        Step(
            sp.Integer(rank),
            f"rank: singular values above {rtol:.2g} sigma_max",
            lhs=r"\operatorname{rank} A",
        ),
        Step(
            N,
            "the right singular vectors of the zero singular values",
            lhs=r"\operatorname{null} A",
        ),
    ]
    d = NullSpace(N, steps, kind="null space", source=_to_matrix(arr), verifier=_null_space_verdict)
    _set(
        d,
        matrix=_to_matrix(arr),
        rank=rank,
        nullity=n - rank,
        pivots=(),
        rref=None,
        column_space=_to_matrix(u[:, :rank]) if rank else sp.ImmutableMatrix.zeros(m, 0),
    )
    return d


def _null_space_verdict(d: Derivation, **options: Any) -> Verdict:
    M, N = d.matrix, d.result  # type: ignore[attr-defined]
    n = M.cols
    count = ("rank + nullity = n", d.rank + d.nullity == n and N.cols == d.nullity)  # type: ignore[attr-defined]
    if N.cols == 0:
        return _all_true([count], N, "numeric")
    if _has_float(M) or _has_float(N):
        A, Nn = _as_array(M), _as_array(N)
        return _all_true(
            [
                count,
                ("A N = 0", _close(A @ Nn, 0 * (A @ Nn), float(np.abs(A).max()), 1e-8)),
                ("independent columns", np.linalg.matrix_rank(Nn) == N.cols),
            ],
            N,
            "numeric",
        )
    return _all_true(
        [
            count,
            ("A N = 0", _exact_equal(M * N, sp.zeros(M.rows, N.cols), **options)),
            ("independent columns", N.rank() == N.cols),
        ],
        N,
        "numeric",
    )


# --------------------------------------------------------------------------
# PCA
# --------------------------------------------------------------------------


def pca_derivation() -> Derivation:
    r"""PCA derived: the direction of largest variance solves ``S w = λ w``.

    For centred data ``X`` with covariance ``S = X^T X / (m - 1)``, the
    variance of the projections ``X w`` is ``w^T S w``. Maximise it subject to
    ``w^T w = 1`` with a Lagrange multiplier: ``L = w^T S w - λ (w^T w - 1)``,
    ``∇_w L = 2 S w - 2 λ w = 0``, so ``S w = λ w``: ``w`` is an eigenvector of
    ``S``, the variance there is ``w^T S w = λ``, and the maximum is the
    largest eigenvalue.

    ``.verify()`` redoes the calculus entry by entry in three dimensions
    (a symmetric ``S`` of symbols: the gradient of the Lagrangian is
    ``2 S w - 2 λ w``) and solves the Lagrange conditions for a numeric 2 x 2
    covariance with :func:`symml.lagrange`: its stationary points are the unit
    eigenvectors, with the multiplier equal to the eigenvalue.

    Examples
    --------
    >>> from symml._linalg.decompositions import pca_derivation
    >>> d = pca_derivation()
    >>> d.result
    Eq(S*w, lambda*w)
    >>> [s.why for s in d.steps][:2]
    ['variance of the projected data', 'maximise subject to w^T w = 1: the Lagrangian']
    >>> bool(d.verify())
    True
    """
    n = sp.Symbol("n", integer=True, positive=True)
    S = sp.MatrixSymbol("S", n, n)
    w = sp.MatrixSymbol("w", n, 1)
    lam = sp.Symbol("lambda", real=True)
    quad = w.T * S * w
    steps = [
        Step(quad, "variance of the projected data", lhs=r"\frac{1}{m - 1} (X w)^{\top} X w"),
        Step(
            sp.Symbol(r"w^{\top} S w") - lam * (sp.Symbol(r"w^{\top} w") - 1),
            "maximise subject to w^T w = 1: the Lagrangian",
            lhs=r"L(w, \lambda)",
        ),
        Step(
            _lagrangian_gradient(quad - lam * (w.T * w), w, (S + S.T) * w - 2 * lam * w),
            "gradient in w: d(w^T S w)/dw = (S + S^T) w",
            lhs=r"\nabla_{w} L",
        ),
        Step(2 * S * w - 2 * lam * w, "S is symmetric (a covariance matrix)"),
        Step(lam * w, "set the gradient to zero: an eigenvector equation", lhs=S * w),
        Step(lam * w.T * w, "at such a w the variance is", lhs=quad),
        Step(lam, "w^T w = 1"),
        Step(
            sp.Symbol("lambda_1"),
            "so the maximum is the largest eigenvalue, at its unit eigenvector",
            lhs=r"\max_{w^{\top} w = 1} w^{\top} S w",
        ),
    ]
    return Derivation(
        sp.Eq(S * w, lam * w),
        steps,
        kind="PCA",
        assumptions=("S symmetric positive semi-definite (a covariance matrix)",),
        verifier=_pca_derivation_verdict,
    )


def _lagrangian_gradient(L: Any, w: sp.MatrixSymbol, by_hand: Any) -> Any:
    """The gradient from symml's matrix calculus when it is available, else ``by_hand``."""

    def derive() -> Any:
        from .._calculus import gradient

        return gradient(L, w).result

    try:
        value, finished = run_with_budget(derive, 5.0)
    except Exception:  # matrix calculus missing or unable: the hand result stands
        return by_hand
    return value if finished and value is not None else by_hand


def _pca_derivation_verdict(d: Derivation, **options: Any) -> Verdict:
    from .._calculus import gradient
    from .._optimize import lagrange

    # (1) The gradient of the Lagrangian, entry by entry, for a symmetric 3 x 3 S.
    s = sp.symbols("s_11 s_12 s_13 s_22 s_23 s_33", real=True)
    S = sp.Matrix([[s[0], s[1], s[2]], [s[1], s[3], s[4]], [s[2], s[4], s[5]]])
    w = sp.Matrix(sp.symbols("w_1:4", real=True))
    lam = sp.Symbol("lambda", real=True)
    L = (w.T * S * w)[0, 0] - lam * ((w.T * w)[0, 0] - 1)
    grad = gradient(L, list(w)).result
    ok_grad = sp.expand(grad - (2 * S * w - 2 * lam * w)) == sp.zeros(3, 1)
    # (2) The Lagrange conditions for a numeric covariance give its eigenpairs.
    C = sp.Matrix([[2, 1], [1, 2]])
    u = sp.symbols("u_1 u_2", real=True)
    uv = sp.Matrix(u)
    found = lagrange((uv.T * C * uv)[0, 0], [(uv.T * uv)[0, 0] - 1], list(u))
    mult = found.multipliers[0]  # type: ignore[attr-defined]
    ok_eig = len(found.result) == 4 and all(
        sp.simplify(C * uv.subs(p) - p[mult] * uv.subs(p)) == sp.zeros(2, 1) for p in found.result
    )
    values = sorted({p[mult] for p in found.result})
    ok_vals = values == [1, 3]
    return _all_true(
        [
            ("grad_w L = 2 S w - 2 lambda w for a symmetric 3 x 3 S", ok_grad),
            ("the Lagrange points of w^T S w on w^T w = 1 solve S w = lambda w", ok_eig),
            ("their multipliers are the eigenvalues 1 and 3", ok_vals),
        ],
        d.result,
        "symbolic",
    )


class PCA(Derivation):
    """Principal components of a data matrix; ``.result`` holds them as columns (d x k).

    Attributes
    ----------
    components : ndarray, shape (k, d)
        Unit principal directions as rows, largest variance first; each is
        signed so that its largest-magnitude entry is positive.
    explained_variance : ndarray, shape (k,)
        Eigenvalues of the covariance matrix ``S`` (variance along each direction).
    explained_variance_ratio : ndarray, shape (k,)
        ``explained_variance / total variance``.
    singular_values : ndarray, shape (k,)
        Of the centred data; ``explained_variance = singular_values**2 / (m - 1)``.
    mean : ndarray, shape (d,)
    covariance : ndarray, shape (d, d)
    n_samples : int
    """

    __slots__ = (
        "components",
        "covariance",
        "explained_variance",
        "explained_variance_ratio",
        "mean",
        "n_samples",
        "singular_values",
    )

    def transform(self, X: Any) -> np.ndarray:
        """Scores: the centred data projected on the components, shape (m, k)."""
        arr = _as_array(X, "X")
        if arr.shape[1] != self.mean.shape[0]:
            raise ShapeError(
                bad_argument("X", X, f"expected {self.mean.shape[0]} columns (features)")
            )
        return (arr - self.mean) @ self.components.T

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Back from scores to data space: ``mean + Z components``."""
        return self.mean + np.asarray(Z, dtype=float) @ self.components


def pca(X: Any, n_components: int | None = None) -> PCA:
    r"""Principal component analysis of a data matrix (rows = samples), with steps.

    The steps follow :func:`pca_derivation`: centre the data, form the
    covariance ``S``, solve ``S w = λ w`` and keep the directions of the
    largest eigenvalues. Numerically the eigenpairs come from the SVD of
    the centred data ``X_c = U Σ V^T`` (``λ_i = σ_i^2 / (m - 1)``, ``w_i`` the
    columns of ``V``), which avoids squaring the condition number by forming
    ``X_c^T X_c``; ``.verify()`` then checks ``S w_i = λ_i w_i`` on the
    explicitly formed ``S`` and compares with ``numpy.linalg.eigh``.

    Parameters
    ----------
    X : array of shape (m, d)
        ``m >= 2`` samples of ``d`` features.
    n_components : int, optional
        How many to keep (default all ``min(m, d)``).

    Examples
    --------
    >>> import numpy as np
    >>> from symml._linalg.decompositions import pca
    >>> rng = np.random.default_rng(0)
    >>> t = rng.normal(size=200)
    >>> X = np.column_stack([t, 2 * t + 0.1 * rng.normal(size=200)])
    >>> p = pca(X, 1)
    >>> p.components.round(2)
    array([[0.45, 0.89]])
    >>> p.explained_variance_ratio.round(4)
    array([0.9995])
    >>> bool(p.verify())
    True
    """
    arr = _as_array(X, "X")
    if np.iscomplexobj(arr):
        raise ArgumentError(bad_argument("X", X, "pca takes real data"))
    m, dim = arr.shape
    if m < 2:
        raise ShapeError(bad_argument("X", X, "need at least 2 samples (rows)"))
    r = min(m, dim)
    if n_components is None:
        n_components = r
    if (
        isinstance(n_components, bool)
        or not isinstance(n_components, (int, np.integer))
        or not 1 <= n_components <= r
    ):
        raise ArgumentError(
            bad_argument("n_components", n_components, f"use an integer from 1 to {r}")
        )
    k = int(n_components)
    mean = arr.mean(axis=0)
    Xc = arr - mean
    _, s, vt = np.linalg.svd(Xc, full_matrices=False)
    signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    signs[signs == 0] = 1.0
    vt = vt * signs[:, None]
    variances = s**2 / (m - 1)
    total = float(np.sum(Xc**2) / (m - 1))
    cov = Xc.T @ Xc / (m - 1)
    W = vt[:k].T

    def steps() -> list[Step]:
        S, w = sp.MatrixSymbol("S", dim, dim), sp.MatrixSymbol("w", dim, 1)
        lam = sp.Symbol("lambda")
        out = []
        if dim <= _SHOW_MAX:
            out.append(Step(_show(mean), f"the mean of each of the {dim} features", lhs=r"\bar{x}"))
            out.append(Step(_show(cov), "covariance of the centred data X_c = X - mean", lhs="S"))
        out += [
            Step(
                lam * w,
                "principal directions maximise w^T S w on w^T w = 1 (symml.pca_derivation)",
                lhs=S * w,
            ),
            Step(
                _show(variances[:k]),
                "eigenvalues, largest first: sigma_i^2 / (m - 1) from the SVD of X_c",
                lhs=r"\lambda",
            ),
        ]
        out.append(
            Step(
                _show(variances[:k] / total),
                "explained variance ratio lambda_i / sum of the lambda_j",
                lhs=r"\frac{\lambda_i}{\sum_j \lambda_j}",
            )
        )
        out.append(
            Step(_to_matrix(W), "the principal directions: unit eigenvectors as columns", lhs="W")
        )
        return out

    d = PCA(_to_matrix(W), steps, kind="PCA", verifier=_pca_verdict)
    _set(
        d,
        components=vt[:k].copy(),
        explained_variance=variances[:k].copy(),
        explained_variance_ratio=variances[:k] / total if total else np.zeros(k),
        singular_values=s[:k].copy(),
        mean=mean,
        covariance=cov,
        n_samples=m,
    )
    return d


def _pca_verdict(d: Derivation, **options: Any) -> Verdict:
    """``S w_i = λ_i w_i`` on the explicit covariance; eigenvalues as ``numpy.linalg.eigh``."""
    S, W, lam = d.covariance, d.components, d.explained_variance  # type: ignore[attr-defined]
    scale = float(np.abs(S).max())
    ref = np.sort(np.linalg.eigvalsh(S))[::-1][: len(lam)]
    return _all_true(
        [
            ("S w_i = lambda_i w_i", _close(S @ W.T, W.T * lam, scale, 1e-8)),
            ("orthonormal directions", _close(W @ W.T, np.eye(len(lam)), 1.0)),
            ("eigenvalues equal numpy.linalg.eigh of S", _close(lam, ref, scale, 1e-8)),
        ],
        d.result,
        "numeric",
    )
