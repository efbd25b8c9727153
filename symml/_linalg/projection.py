r"""Orthogonal projection onto a column space, and Gram–Schmidt orthonormalisation.

``projection`` derives ``P = A (A^T A)^{-1} A^T`` from least squares and shows
its properties; its numeric forms go through QR and never form an inverse.
``gram_schmidt`` subtracts the projections onto the earlier directions one
vector at a time (``V = Q R``).

Examples
--------
>>> import sympy as sp, symml
>>> symml.projection(sp.Matrix([1, 1])).result
Matrix([
[1/2, 1/2],
[1/2, 1/2]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._codegen import to_numpy
from .._core import (
    CHECK_BUDGET,
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    Derivation,
    ShapeError,
    Step,
    Verdict,
    bad_argument,
)
from ._matrices import (
    SHOW_MAX,
    OfMatrix,
    as_array,
    as_matrix,
    as_vectors,
    matrix_shape,
    norm,
    run_exact,
    show,
    simp,
    symbol_assumptions,
    to_matrix,
    wants_numeric,
)
from ._verdicts import Comparison, all_true, close

__all__ = ["GramSchmidt", "Projection", "gram_schmidt", "projection"]

#: At most this many seconds of the budget go to testing the columns for independence.
_RANK_CAP = 5.0


class Projection(OfMatrix):
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

    __slots__ = ("gram", "gram_inverse")

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
        return as_array(M, "values")

    def project(self, b: Any, values: dict | None = None) -> np.ndarray:
        """``P b`` through QR: ``A = Q R``, ``P b = Q (Q^T b)``; ``b`` of shape (m,) or (m, k).

        Examples
        --------
        >>> import sympy as sp, symml
        >>> P = symml.projection(sp.Matrix([[1, 0], [0, 1], [0, 0]]))
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
        Output shape ``(m, m, *S)`` for inputs broadcasting to shape ``S``
        (``options`` go to :func:`symml.to_numpy`).

        Examples
        --------
        >>> import numpy as np, sympy as sp, symml
        >>> t = sp.Symbol("t", real=True)
        >>> f = symml.projection(sp.Matrix([1, t])).to_numpy()
        >>> f(np.array([0.0, 1.0])).shape
        (2, 2, 2)
        """
        args = self.default_args() if args is None else list(args)
        m, n = self.matrix.shape
        entries = to_numpy(self.matrix, args, **options)

        def projector(*values: Any) -> np.ndarray:
            batch_shape = np.broadcast_shapes(*(np.shape(v) for v in values))
            # (m, n, *S) whatever the size of A (a column or a 1 x 1 matrix included)
            A = np.asarray(entries(*values), dtype=float).reshape((m, n, *batch_shape))
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


def projection(A: Any, *, budget: float = DEFAULT_BUDGET) -> Projection:
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
    budget : float
        Seconds for the exact route.

    Raises
    ------
    ArgumentError
        The columns of ``A`` are dependent (``A^T A`` is singular).
    NoClosedFormError
        The exact route runs out of ``budget``.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> A = sp.Matrix([[1, 0], [1, 1], [1, 2]])
    >>> P = symml.projection(A)
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
    deadline = Deadline(budget)
    if wants_numeric(A):
        return _projection_numeric(A)
    M = as_matrix(A, "A")
    if wants_numeric(A, M):
        return _projection_numeric(M)
    return run_exact(lambda dl: _projection_exact(M, dl), M, deadline, "projection")


def _dependent_columns(A: Any, rank: int, n: int) -> ArgumentError:
    return ArgumentError(
        bad_argument(
            "A",
            A,
            f"its columns are linearly dependent (rank {rank} < {n} columns), so A^T A is "
            "singular; drop dependent columns (symml.null_space(A) shows them) or project "
            "onto an orthonormal basis from symml.gram_schmidt",
        )
    )


def _projection_exact(M: sp.ImmutableMatrix, deadline: Deadline) -> Projection:
    m, n = M.shape
    rank, finished = deadline.run(lambda: M.rank(simplify=True), _RANK_CAP)
    if finished and rank < n:
        raise _dependent_columns(M, rank, n)
    gram = simp(sp.ImmutableMatrix(M.T * M), deadline)
    if simp(gram.det(), deadline).is_zero:
        raise ArgumentError(
            bad_argument("A", M, "A^T A is singular (det = 0): the columns are dependent")
        )
    gram_inv = simp(sp.ImmutableMatrix(gram.inv()), deadline)
    P = simp(sp.ImmutableMatrix(M * gram_inv * M.T), deadline)
    properties = [
        simp(sp.ImmutableMatrix(X), deadline) for X in (P * P - P, P.T - P, M.T * (sp.eye(m) - P))
    ]
    return Projection(
        P,
        _least_squares_steps(m, n) + _this_matrix_steps(gram, gram_inv, P, properties),
        kind="projection",
        source=M,
        assumptions=symbol_assumptions(M),
        verifier=_exact_verdict,
        gram=gram,
        gram_inverse=gram_inv,
    )


def _least_squares_steps(m: int, n: int) -> list[Step]:
    """``P = A (A^T A)^{-1} A^T`` from the normal equations, for any ``m x n`` matrix ``A``."""
    Am, b = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("b", m, 1)
    x, p = sp.MatrixSymbol(r"\hat{x}", n, 1), sp.MatrixSymbol("p", m, 1)
    generic = Am * sp.Inverse(Am.T * Am) * Am.T
    return [
        Step(
            sp.ZeroMatrix(n, 1),
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
    ]


def _this_matrix_steps(
    gram: sp.MatrixBase, gram_inv: sp.MatrixBase, P: sp.MatrixBase, properties: list[Any]
) -> list[Step]:
    """``A^T A``, its inverse and ``P`` for this ``A``; then ``P`` is a projection."""
    idempotent, symmetric, orthogonal = properties
    return [
        Step(gram, "for this A", lhs=r"A^{\top} A"),
        Step(gram_inv, "invert", lhs=r"(A^{\top} A)^{-1}"),
        Step(P, "multiply out", lhs="P"),
        Step(idempotent, "idempotent: projecting twice changes nothing", lhs=r"P^{2} - P"),
        Step(symmetric, "symmetric", lhs=r"P^{\top} - P"),
        Step(
            orthogonal,
            "the residual (I - P) b is orthogonal to the columns of A",
            lhs=r"A^{\top} (I - P)",
        ),
    ]


def _projection_numeric(A: Any) -> Projection:
    arr = as_array(A, "A")
    m, n = arr.shape
    if np.iscomplexobj(arr):
        raise ArgumentError(bad_argument("A", A, "projection takes real matrices"))
    Q, R = np.linalg.qr(arr)
    tol = max(m, n) * np.finfo(float).eps * np.abs(arr).max()
    rank = int(np.sum(np.abs(np.diag(R)) > tol)) if n <= m else int(np.linalg.matrix_rank(arr))
    if n > m or rank < n:
        raise _dependent_columns(A, min(rank, m), n)
    P = Q @ Q.T
    Qs = sp.MatrixSymbol("Q", m, n)
    steps = [
        Step(
            sp.MatMul(Qs, sp.MatrixSymbol("R", n, n)),
            "QR factorisation (numpy.linalg.qr): Q has orthonormal columns",
            lhs="A",
        ),
        Step(
            Qs * Qs.T,
            "P = A (A^T A)^{-1} A^T = Q R (R^T R)^{-1} R^T Q^T = Q Q^T, with no inverse formed",
            lhs="P",
        ),
    ]
    if m <= SHOW_MAX:
        steps.append(Step(show(P), "numerically (rounded)", lhs="P"))
    M = to_matrix(arr)
    return Projection(
        to_matrix(P),
        steps,
        kind="projection",
        source=M,
        verifier=_numeric_verdict,
        gram=None,
        gram_inverse=None,
    )


def _exact_verdict(d: Projection, *, budget: float = CHECK_BUDGET, seed: int = 0) -> Verdict:
    """``P^2 = P``, ``P^T = P`` and ``P A = A``, exactly (sampled when undecided)."""
    P, M = d.result, d.matrix
    compare = Comparison(budget=budget, seed=seed)
    return all_true(
        [
            ("P^2 = P", compare.equal(P * P, P)),
            ("P^T = P", compare.equal(P.T, P)),
            ("P A = A", compare.equal(P * M, M)),
        ],
        P,
        "numeric",
    )


def _numeric_verdict(d: Projection) -> Verdict:
    """``P^2 = P``, ``P^T = P`` and ``P A = A``, in floats."""
    P, A = as_array(d.result), as_array(d.matrix)
    return all_true(
        [
            ("P^2 = P", close(P @ P, P, 1.0)),
            ("P^T = P", close(P.T, P, 1.0)),
            ("P A = A", close(P @ A, A, float(np.abs(A).max()))),
        ],
        d.result,
        "numeric",
    )


# -- Gram–Schmidt -------------------------------------------------------------------------


class GramSchmidt(Derivation):
    """Orthonormal columns ``Q`` (``.result``) with ``V = Q R``.

    Attributes
    ----------
    vectors : ImmutableMatrix
        The input vectors as columns.
    R : ImmutableMatrix
        Upper triangular, ``R = Q^T V`` (exactly ``V = Q R``).
    """

    __slots__ = ("R",)

    @property
    def vectors(self) -> sp.ImmutableMatrix:
        """The input vectors as columns (the ``source``)."""
        return self.source  # type: ignore[return-value]

    def _array_shape(self) -> tuple[int, ...]:
        """:meth:`to_numpy` keeps the shape of ``Q``, a single vector included."""
        return matrix_shape(self)


def gram_schmidt(
    vectors: Any, *, normalize: bool = True, budget: float = DEFAULT_BUDGET
) -> GramSchmidt:
    r"""Orthonormalise vectors by Gram–Schmidt, with one step per subtraction.

    ``u_k = v_k - sum_{j<k} (q_j^T v_k) q_j`` removes the components along the
    earlier directions, then ``q_k = u_k / ||u_k||``.

    Parameters
    ----------
    vectors : Matrix (the vectors as columns) or a list of vectors
    normalize : bool
        False keeps the orthogonal (not unit) ``u_k``.
    budget : float
        Seconds for the whole computation.

    Raises
    ------
    ArgumentError
        A vector is a combination of the ones before it.
    NoClosedFormError
        The computation runs out of ``budget``.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> g = symml.gram_schmidt([sp.Matrix([3, 4]), sp.Matrix([1, 0])])
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
    V = as_vectors(vectors)
    return run_exact(
        lambda dl: _orthogonalise(V, normalize, dl),
        V,
        Deadline(budget),
        "Gram-Schmidt process",
        name="vectors",
    )


def _orthogonalise(V: sp.ImmutableMatrix, normalize: bool, deadline: Deadline) -> GramSchmidt:
    qs: list[sp.ImmutableMatrix] = []
    steps: list[Step] = []
    for j in range(V.cols):
        v = V.col(j)
        u = sp.Matrix(v)
        for q in qs:
            u = u - simp((q.T * v)[0, 0] / (q.T * q)[0, 0], deadline) * q
        u = simp(sp.ImmutableMatrix(u), deadline)
        if j:
            earlier = ", ".join(f"q_{i + 1}" for i in range(j))
            why = f"subtract the projection{'s' if j > 1 else ''} onto {earlier}"
            steps.append(Step(u, why, lhs=rf"\mathbf{{u}}_{{{j + 1}}}"))
        if all(simp(e, deadline).is_zero for e in u):
            raise ArgumentError(
                bad_argument(
                    "vectors",
                    V,
                    f"vector {j + 1} is a linear combination of the ones before it; remove it "
                    "(symml.null_space(V) shows the dependency)",
                )
            )
        if normalize:
            length = simp(norm(u), deadline)
            u = simp(sp.ImmutableMatrix(u / length), deadline)
            why = f"normalise: divide by the length {sp.sstr(length)}"
            steps.append(Step(u, why, lhs=rf"\mathbf{{q}}_{{{j + 1}}}"))
        qs.append(u)
    Q = sp.ImmutableMatrix.hstack(*qs)
    scale = sp.eye(len(qs)) if normalize else sp.diag(*[1 / (q.T * q)[0, 0] for q in qs])
    R = simp(sp.ImmutableMatrix(scale * Q.T * V), deadline)
    steps.append(Step(Q, "the vectors as columns", lhs="Q"))
    steps.append(Step(R, "R = Q^T V is upper triangular, so V = Q R", lhs="R"))
    return GramSchmidt(
        Q,
        steps,
        kind="Gram-Schmidt",
        source=V,
        assumptions=symbol_assumptions(V),
        verifier=_gram_schmidt_verdict,
        R=R,
    )


def _gram_schmidt_verdict(
    d: GramSchmidt, *, budget: float = CHECK_BUDGET, seed: int = 0
) -> Verdict:
    """Orthogonal columns, ``Q R = V`` and ``R`` upper triangular."""
    Q, R, V = d.result, d.R, d.vectors
    compare = Comparison(budget=budget, seed=seed)
    gram = Q.T * Q
    below = [R[i, j] for i in range(R.rows) for j in range(i)]
    return all_true(
        [
            (
                "Q^T Q is diagonal (identity when normalised)",
                compare.equal(gram, sp.diag(*[gram[i, i] for i in range(gram.rows)])),
            ),
            ("Q R = V", compare.equal(Q * R, V)),
            ("R is upper triangular", compare.zero_entries(below)),
        ],
        Q,
        "numeric",
    )
