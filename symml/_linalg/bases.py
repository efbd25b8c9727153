r"""Bases: change of basis, coordinates in a basis, and rank / null space / column space.

======================  ===================================================================
function                result
======================  ===================================================================
``change_of_basis``     ``T`` with ``[v]_new = T [v]_old``
``coordinates``         ``c`` with ``B c = v``: the coordinates of ``v`` in a basis
``null_space``          a basis of ``{x : A x = 0}`` from the reduced row echelon form, with
                        the rank and the column space (a :class:`NullSpace`)
======================  ===================================================================

Examples
--------
>>> import sympy as sp, symml
>>> symml.null_space(sp.Matrix([[1, 1]])).result
Matrix([
[-1],
[ 1]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

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
    OfMatrix,
    as_array,
    as_matrix,
    as_vectors,
    empty_or_hstack,
    require_square,
    run_exact,
    show,
    simp,
    to_matrix,
    wants_numeric,
)
from ._verdicts import Comparison, all_true, close

__all__ = ["NullSpace", "change_of_basis", "coordinates", "null_space"]


def _basis(B: Any, name: str) -> sp.ImmutableMatrix:
    """The basis vectors as the columns of a square matrix."""
    M = as_vectors(B, name)
    require_square(M, name, "a basis", "give n vectors of length n as the columns")
    return M


def _require_independent(M: sp.ImmutableMatrix, name: str, deadline: Deadline) -> None:
    if simp(M.det(), deadline).is_zero:
        raise ArgumentError(
            bad_argument(name, M, "its columns are linearly dependent (det = 0): not a basis")
        )


def _solves(B: sp.MatrixBase, rhs: sp.MatrixBase, what: str) -> Callable[..., Verdict]:
    """A verifier: ``B`` times the result equals ``rhs``."""

    def verdict(d: Derivation, *, budget: float = CHECK_BUDGET, seed: int = 0) -> Verdict:
        compare = Comparison(budget=budget, seed=seed)
        return all_true([(what, compare.equal(B * d.result, rhs))], d.result, "numeric")

    return verdict


def change_of_basis(old: Any, new: Any, *, budget: float = DEFAULT_BUDGET) -> Derivation:
    r"""The matrix ``T`` that turns coordinates in the ``old`` basis into the ``new`` one.

    A vector ``v = B_old c_old = B_new c_new`` (bases as columns), so
    ``c_new = B_new^{-1} B_old c_old`` and ``T = B_new^{-1} B_old``.

    Parameters
    ----------
    old, new : square Matrix, or a list of vectors
        The bases, as columns.
    budget : float
        Seconds for the whole computation.

    Raises
    ------
    ArgumentError
        A basis has dependent columns.
    NoClosedFormError
        The computation runs out of ``budget``.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> standard = sp.eye(2)
    >>> rotated = sp.Matrix([[1, -1], [1, 1]])          # columns (1, 1) and (-1, 1)
    >>> T = symml.change_of_basis(standard, rotated)
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
    return run_exact(
        lambda dl: _change_of_basis(B_old, B_new, dl),
        B_new,
        Deadline(budget),
        "change of basis",
        name="new",
    )


def _change_of_basis(
    B_old: sp.ImmutableMatrix, B_new: sp.ImmutableMatrix, deadline: Deadline
) -> Derivation:
    _require_independent(B_old, "old", deadline)
    _require_independent(B_new, "new", deadline)
    inv = simp(sp.ImmutableMatrix(B_new.inv()), deadline)
    T = simp(sp.ImmutableMatrix(inv * B_old), deadline)
    n = B_old.rows
    Bo, Bn = sp.MatrixSymbol("B_old", n, n), sp.MatrixSymbol("B_new", n, n)
    c_old, c_new = sp.MatrixSymbol("c_old", n, 1), sp.MatrixSymbol("c_new", n, 1)
    steps = [
        Step(Bn * c_new, "the same vector in both bases", lhs=Bo * c_old),
        Step(sp.Inverse(Bn) * Bo * c_old, "multiply by B_new^{-1}", lhs=c_new),
        Step(inv, "invert the new basis", lhs=r"B_{\mathrm{new}}^{-1}"),
        Step(T, "T = B_new^{-1} B_old", lhs="T"),
    ]
    return Derivation(
        T,
        steps,
        kind="change of basis",
        source=B_old,
        verifier=_solves(B_new, B_old, "B_new T = B_old"),
    )


def coordinates(v: Any, basis: Any, *, budget: float = DEFAULT_BUDGET) -> Derivation:
    r"""The coordinates ``c`` of ``v`` in a basis: the solution of ``B c = v``.

    Parameters
    ----------
    v : vector (Matrix, list or array)
    basis : square Matrix, or a list of vectors
        The basis vectors, as columns.
    budget : float
        Seconds for the whole computation.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> symml.coordinates(sp.Matrix([3, 1]), sp.Matrix([[1, 1], [1, -1]])).result
    Matrix([
    [2],
    [1]])
    """
    B = _basis(basis, "basis")
    vec = as_matrix(v, "v")
    if vec.cols != 1:
        vec = vec.T
    if vec.shape != (B.rows, 1):
        raise ShapeError(bad_argument("v", v, f"expected a vector of length {B.rows}"))
    return run_exact(
        lambda dl: _coordinates(vec, B, dl), B, Deadline(budget), "coordinates", name="basis"
    )


def _coordinates(vec: sp.ImmutableMatrix, B: sp.ImmutableMatrix, deadline: Deadline) -> Derivation:
    _require_independent(B, "basis", deadline)
    c = simp(sp.ImmutableMatrix(B.LUsolve(vec)), deadline)
    n = B.rows
    Bs, cs = sp.MatrixSymbol("B", n, n), sp.MatrixSymbol("c", n, 1)
    steps = [
        Step(vec, "v as a combination of the basis vectors (the columns of B)", lhs=Bs * cs),
        Step(sp.Inverse(Bs) * sp.MatrixSymbol("v", n, 1), "B is invertible", lhs=cs),
        Step(c, "solve", lhs="c"),
    ]
    return Derivation(c, steps, kind="coordinates", source=vec, verifier=_solves(B, vec, "B c = v"))


# -- rank and null space ------------------------------------------------------------------


class NullSpace(OfMatrix):
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

    __slots__ = ("column_space", "nullity", "pivots", "rank", "rref")


def null_space(A: Any, *, rtol: float | None = None, budget: float = DEFAULT_BUDGET) -> NullSpace:
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
    budget : float
        Seconds for the exact route.

    Raises
    ------
    NoClosedFormError
        The exact route runs out of ``budget``.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> N = symml.null_space(sp.Matrix([[1, 2, 3], [2, 4, 6]]))
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
    deadline = Deadline(budget)
    M = as_matrix(A, "A")
    if wants_numeric(A, M):
        return _null_space_numeric(A, rtol)
    return run_exact(lambda dl: _null_space_exact(M, dl), M, deadline, "null space")


def _null_space_exact(M: sp.ImmutableMatrix, deadline: Deadline) -> NullSpace:
    m, n = M.shape
    R, pivots = M.rref(simplify=True)
    R = sp.ImmutableMatrix(R)
    rank = len(pivots)
    N = empty_or_hstack(
        [simp(sp.ImmutableMatrix(v), deadline) for v in M.nullspace(simplify=True)], n
    )
    free = [j for j in range(n) if j not in pivots]
    xs = sp.symbols(f"x_1:{n + 1}")
    general = sp.ImmutableMatrix(
        [
            xs[j] if j in free else -sum((R[pivots.index(j), f] * xs[f] for f in free), sp.S.Zero)
            for j in range(n)
        ]
    )
    named_free = ", ".join(f"x_{j + 1}" for j in free)
    named_pivots = ", ".join(str(j + 1) for j in pivots) or "none"
    steps = [
        Step(R, "row reduce to the reduced row echelon form", lhs=r"\operatorname{rref}(A)"),
        Step(
            sp.Integer(rank),
            f"rank: the number of pivots (columns {named_pivots})",
            lhs=r"\operatorname{rank} A",
        ),
        Step(
            general,
            "solve A x = 0: pivot variables in terms of the free ones "
            + (f"({named_free})" if free else "(none: only x = 0)"),
            lhs=r"\mathbf{x}",
        ),
        Step(N, "one basis vector per free variable", lhs=r"\operatorname{null} A"),
        Step(
            sp.Integer(n),
            f"rank-nullity: rank + nullity = {rank} + {len(free)} = n",
            lhs=r"\operatorname{rank} A + \dim \operatorname{null} A",
        ),
    ]
    fields = {"pivots": tuple(pivots), "rref": R}
    column_space = empty_or_hstack([M.col(j) for j in pivots], m)
    return _null_space_result(M, N, steps, rank, column_space, _exact_verdict, **fields)


def _null_space_numeric(A: Any, rtol: float | None) -> NullSpace:
    arr = as_array(A, "A")
    m, n = arr.shape
    u, s, vt = np.linalg.svd(arr)
    if rtol is None:
        rtol = max(m, n) * np.finfo(float).eps
    rank = int(np.sum(s > rtol * s[0])) if s[0] > 0 else 0
    N = empty_or_hstack([to_matrix(vt[rank:].conj().T)] if rank < n else [], n)
    steps = [
        Step(show(s), "singular values (numpy.linalg.svd)", lhs=r"\sigma"),
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
    column_space = empty_or_hstack([to_matrix(u[:, :rank])] if rank else [], m)
    M = to_matrix(arr)
    return _null_space_result(
        M, N, steps, rank, column_space, _numeric_verdict, pivots=(), rref=None
    )


def _null_space_result(
    M: sp.ImmutableMatrix,
    N: sp.ImmutableMatrix,
    steps: list[Step],
    rank: int,
    column_space: sp.ImmutableMatrix,
    verifier: Callable[..., Verdict],
    **fields: Any,
) -> NullSpace:
    """The :class:`NullSpace` of either route (``fields``: ``pivots`` and ``rref``)."""
    return NullSpace(
        N,
        steps,
        kind="null space",
        source=M,
        verifier=verifier,
        rank=rank,
        nullity=M.cols - rank,
        column_space=column_space,
        **fields,
    )


def _counts(d: NullSpace) -> tuple[str, bool]:
    return (
        "rank + nullity = n",
        d.rank + d.nullity == d.matrix.cols and d.result.cols == d.nullity,
    )


def _exact_verdict(d: NullSpace, *, budget: float = CHECK_BUDGET, seed: int = 0) -> Verdict:
    """``A N = 0`` exactly, independent columns, and rank + nullity = n."""
    M, N = d.matrix, d.result
    if N.cols == 0:
        return all_true([_counts(d)], N, "numeric")
    compare = Comparison(budget=budget, seed=seed)
    return all_true(
        [
            _counts(d),
            ("A N = 0", compare.equal(M * N, sp.zeros(M.rows, N.cols))),
            ("independent columns", N.rank() == N.cols),
        ],
        N,
        "numeric",
    )


def _numeric_verdict(d: NullSpace) -> Verdict:
    """``A N = 0`` in floats, independent columns, and rank + nullity = n."""
    if d.result.cols == 0:
        return all_true([_counts(d)], d.result, "numeric")
    A, N = as_array(d.matrix), as_array(d.result)
    product = A @ N
    return all_true(
        [
            _counts(d),
            ("A N = 0", close(product, np.zeros_like(product), float(np.abs(A).max()), 1e-8)),
            ("independent columns", np.linalg.matrix_rank(N) == N.shape[1]),
        ],
        d.result,
        "numeric",
    )
