r"""The singular value decomposition ``A = U Sigma V^T`` and the best low-rank approximation.

``svd`` works a 2 x 2 matrix of exact entries by hand through the
eigen-decomposition of ``A^T A``, and any other matrix with
``numpy.linalg.svd``; ``low_rank`` truncates the SVD of an array after ``k``
terms (Eckart–Young: the squared Frobenius error is the sum of the discarded
squared singular values).

Examples
--------
>>> import sympy as sp, symml
>>> symml.svd(sp.Matrix([[0, 2], [1, 0]])).singular_values
(2, 1)
>>> symml.low_rank([[2.0, 0.0], [0.0, 1.0]], 1).result      # the discarded 1**2
1.00000000000000
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .._core import (
    CHECK_BUDGET,
    DEFAULT_BUDGET,
    Deadline,
    Derivation,
    ShapeError,
    Step,
    Verdict,
    bad_argument,
)
from ._matrices import (
    NumericFallback,
    OfMatrix,
    as_array,
    as_count,
    as_matrix,
    fresh,
    run_exact,
    show,
    simp,
    sort_desc,
    to_matrix,
    unit,
    wants_numeric,
)
from ._verdicts import Comparison, all_true, close

__all__ = ["LowRankApproximation", "SingularValueDecomposition", "low_rank", "svd"]

#: How many discarded squared singular values the low-rank steps show.
_SHOWN_DISCARDED = 6


class SingularValueDecomposition(OfMatrix):
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

    __slots__ = ("Sigma", "U", "V", "method", "singular_values")


def svd(
    A: Any, *, numeric: bool | None = None, budget: float = DEFAULT_BUDGET
) -> SingularValueDecomposition:
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
    >>> import sympy as sp, symml
    >>> s = symml.svd(sp.Matrix([[3, 0], [4, 5]]))
    >>> s.singular_values
    (3*sqrt(5), sqrt(5))
    >>> s.U * s.Sigma * s.V.T
    Matrix([
    [3, 0],
    [4, 5]])
    >>> [st.why for st in s.steps][:2]
    ['form A^T A (symmetric, positive semi-definite)', 'characteristic polynomial of A^T A']
    """
    deadline = Deadline(budget)
    M = as_matrix(A, "A")
    if numeric is None:
        numeric = wants_numeric(A, M) or M.shape != (2, 2)
    note = None
    if not numeric:
        if M.shape != (2, 2):
            raise ShapeError(
                bad_argument(
                    "A", M, "the exact SVD is for 2 x 2 matrices; pass numeric=True for NumPy's"
                )
            )
        try:
            return run_exact(lambda dl: _svd_symbolic(M, dl), M, deadline, "SVD", fallback=True)
        except NumericFallback as exc:
            note = exc.note
    return _svd_numeric(M, as_array(A if isinstance(A, np.ndarray) else M, "A"), note)


def _orthonormal_basis(
    vectors: list[sp.MatrixBase], deadline: Deadline
) -> list[sp.ImmutableMatrix]:
    out: list[sp.ImmutableMatrix] = []
    for v in vectors:
        u = sp.Matrix(v)
        for q in out:
            u = u - (q.T * v)[0, 0] * q
        out.append(unit(u, deadline))
    return out


def _right_singular(
    AtA: sp.ImmutableMatrix, deadline: Deadline
) -> tuple[list[sp.Expr], list[sp.ImmutableMatrix], bool]:
    """Eigenvalues of ``A^T A`` (with multiplicity) and its orthonormal eigenvectors."""
    triples, ordered = sort_desc(AtA.eigenvects(simplify=True), lambda t: t[0])
    values: list[sp.Expr] = []
    columns: list[sp.ImmutableMatrix] = []
    for value, _mult, vectors in triples:
        basis = _orthonormal_basis(vectors, deadline)
        values.extend([simp(value, deadline)] * len(basis))
        columns.extend(basis)
    return values, columns, ordered


def _left_singular(
    M: sp.ImmutableMatrix,
    sigmas: list[sp.Expr],
    V_cols: list[sp.ImmutableMatrix],
    deadline: Deadline,
) -> list[sp.ImmutableMatrix]:
    """``u_i = A v_i / σ_i``, completed to an orthonormal basis of R^2."""
    U_cols = [
        simp(sp.ImmutableMatrix(M * v / s), deadline)
        for s, v in zip(sigmas, V_cols, strict=True)
        if not s.is_zero
    ]
    if not U_cols:
        U_cols.append(sp.ImmutableMatrix([1, 0]))
    if len(U_cols) < 2:
        u = U_cols[0]
        U_cols.append(sp.ImmutableMatrix([-u[1], u[0]]))
    return U_cols


def _svd_symbolic(M: sp.ImmutableMatrix, deadline: Deadline) -> SingularValueDecomposition:
    AtA = simp(sp.ImmutableMatrix(M.T * M), deadline)
    lam = fresh("lambda", M.free_symbols)
    poly = sp.factor(sp.expand((AtA - lam * sp.eye(2)).det()))
    values, V_cols, ordered = _right_singular(AtA, deadline)
    sigmas = [simp(sp.sqrt(v), deadline) for v in values]
    U = sp.ImmutableMatrix.hstack(*_left_singular(M, sigmas, V_cols, deadline))
    V = sp.ImmutableMatrix.hstack(*V_cols)
    Sigma = sp.ImmutableMatrix(sp.diag(*sigmas))
    product = sp.MatMul(U, Sigma, V.T, evaluate=False)
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
        Step(product, "A = U Sigma V^T", lhs=M),
    ]
    return SingularValueDecomposition(
        product,
        steps,
        kind="singular value decomposition",
        source=M,
        assumptions=("entries real",) if M.free_symbols else (),
        verifier=_exact_verdict,
        U=U,
        Sigma=Sigma,
        V=V,
        singular_values=tuple(sigmas),
        method="symbolic",
    )


def _svd_numeric(
    M: sp.ImmutableMatrix, arr: np.ndarray, note: str | None
) -> SingularValueDecomposition:
    u, s, vt = np.linalg.svd(arr, full_matrices=False)
    U, V, Sigma = to_matrix(u), to_matrix(vt.conj().T), to_matrix(np.diag(s))
    product = sp.MatMul(U, Sigma, V.T, evaluate=False)
    steps = [Step(M, note, lhs="A")] if note else []
    steps.append(Step(show(s), "singular values: numpy.linalg.svd, largest first", lhs=r"\sigma"))
    steps.append(Step(product, "A = U Sigma V^T", lhs="A"))
    return SingularValueDecomposition(
        product,
        steps,
        kind="singular value decomposition",
        source=M,
        verifier=_numeric_verdict,
        U=U,
        Sigma=Sigma,
        V=V,
        singular_values=tuple(sp.Float(float(v)) for v in s),
        method="numeric",
    )


def _exact_verdict(
    d: SingularValueDecomposition, *, budget: float = CHECK_BUDGET, seed: int = 0
) -> Verdict:
    """``U Sigma V^T = A`` and orthonormal columns, exactly; for numbers, the singular
    values against ``numpy.linalg.svd``."""
    M, U, S, V = d.matrix, d.U, d.Sigma, d.V
    compare = Comparison(budget=budget, seed=seed)
    checks: list[tuple[str, Any]] = [
        ("U Sigma V^T = A", compare.equal(U * S * V.T, M)),
        ("U^T U = I", compare.equal(U.T * U, sp.eye(S.rows))),
        ("V^T V = I", compare.equal(V.T * V, sp.eye(S.rows))),
    ]
    if not M.free_symbols:
        ref = np.linalg.svd(as_array(M), compute_uv=False)
        got = np.array([float(v.evalf(30)) for v in d.singular_values])
        checks.append(("sigma equal numpy.linalg.svd", close(ref, got, float(ref.max()), 1e-8)))
    return all_true(checks, d.result, "numeric")


def _numeric_verdict(d: SingularValueDecomposition) -> Verdict:
    """``U Sigma V^T = A`` and orthonormal columns, in floats."""
    A, U, S, V = (as_array(X) for X in (d.matrix, d.U, d.Sigma, d.V))
    eye = np.eye(S.shape[0])
    return all_true(
        [
            ("U Sigma V^T = A", close(U @ S @ V.conj().T, A, float(np.abs(A).max()))),
            ("U^T U = I", close(U.conj().T @ U, eye, 1.0)),
            ("V^T V = I", close(V.conj().T @ V, eye, 1.0)),
        ],
        d.result,
        "numeric",
    )


# -- low-rank approximation (Eckart–Young) ------------------------------------------------


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

    def _make_steps(self) -> list[Step]:
        k, s = self.k, self.singular_values
        top = int(np.sum(s > s[0] * max(self.matrix.shape) * np.finfo(float).eps)) if s[0] else 0
        i = sp.Symbol("i", integer=True, positive=True)
        sigma, uu, vv = sp.IndexedBase("sigma"), sp.IndexedBase("u"), sp.IndexedBase("v")
        term = sigma[i] * uu[i] * vv[i] ** sp.Symbol(r"\top")
        error = rf"\|A - A_{{{k}}}\|_F^2"
        steps = [
            Step(
                sp.Sum(term, (i, 1, top)),
                f"SVD as a sum of rank-one matrices (rank r = {top})",
                lhs="A",
            ),
            Step(
                sp.Sum(term, (i, 1, k)),
                "keep the k largest terms: the best rank-k approximation (Eckart-Young)",
                lhs=f"A_{{{k}}}",
            ),
            Step(
                sp.Sum(sigma[i] ** 2, (i, k + 1, top)),
                "the u_i v_i^T are orthonormal, so the squared error is the discarded sigma_i^2",
                lhs=error,
            ),
        ]
        rest = s[k:]
        if rest.size:
            more = [sp.Symbol(r"\ldots")] if rest.size > _SHOWN_DISCARDED else []
            shown = [show(v**2) for v in rest[:_SHOWN_DISCARDED]]
            lhs = rf"(\sigma_{{{k + 1}}}^2, \ldots)" if rest.size > 1 else rf"\sigma_{{{k + 1}}}^2"
            steps.append(
                Step(
                    sp.Tuple(*shown, *more),
                    "the discarded sigma_i^2 (rounded), largest first",
                    lhs=lhs,
                )
            )
        steps.append(Step(sp.Float(self.discarded), "their sum", lhs=error))
        return steps


def low_rank(A: Any, k: int) -> LowRankApproximation:
    r"""The best rank-``k`` approximation of a matrix (Eckart–Young), on NumPy arrays.

    Truncating the SVD ``A = sum_i σ_i u_i v_i^T`` after ``k`` terms gives the
    rank-``k`` matrix closest to ``A`` in the Frobenius and spectral norms;
    the squared Frobenius error is the sum of the discarded ``σ_i^2``, as
    the ``u_i v_i^T`` are orthonormal in the Frobenius inner product.
    Works on large arrays (images, ratings matrices): nothing is converted
    to SymPy, so there is no symbolic work to budget.

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
    >>> import numpy as np, symml
    >>> A = np.array([[3.0, 1.0, 1.0], [-1.0, 3.0, 1.0]])
    >>> lr = symml.low_rank(A, 1)
    >>> lr.singular_values.round(6)
    array([3.464102, 3.162278])
    >>> round(lr.error, 9), round(lr.discarded, 9)        # = σ_2**2
    (10.0, 10.0)
    >>> np.linalg.matrix_rank(lr.matrix)
    np.int64(1)
    """
    arr = as_array(A, "A")
    m, n = arr.shape
    k = as_count(k, "k", 0, min(m, n), f"use an integer rank between 0 and min(m, n) = {min(m, n)}")
    u, s, vt = np.linalg.svd(arr, full_matrices=False)
    Ak = (u[:, :k] * s[:k]) @ vt[:k]
    error = float(np.sum(np.abs(arr - Ak) ** 2))
    discarded = float(np.sum(s[k:] ** 2))
    total = float(np.sum(np.abs(arr) ** 2))
    return LowRankApproximation(
        sp.Float(discarded),
        None,
        kind="low-rank approximation",
        verifier=_low_rank_verdict,
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


def _low_rank_verdict(d: LowRankApproximation) -> Verdict:
    """The error measured on the arrays against the discarded squared singular values."""
    err, disc = d.error, d.discarded
    ok = abs(err - disc) <= 1e-9 * (1.0 + float(np.sum(d.singular_values**2)))
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
