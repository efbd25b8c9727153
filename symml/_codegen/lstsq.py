"""The least-squares runtime: normal equations solved by QR, never by forming ``X^T X``.

=============================  ========================================================
name                           what it is
=============================  ========================================================
:func:`solve_normal`           solve ``(sum c_k B_k^T W_k B_k) x = sum B_k^T W_k d_k`` as
                               one whitened, stacked least-squares problem
:class:`RankDeficientWarning`  issued for rank-deficient problems (``.rank``, ``.columns``)
=============================  ========================================================

The generated solvers of :func:`symml.to_numpy` call :func:`solve_normal`
with the blocks that :func:`normal_system` (in :mod:`.matrix`) extracts;
``NormalEquations.fit`` calls it with ``full=True`` for standard errors.
SciPy is imported on the first solve, not at import.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .._core import ArgumentError, bad_argument
from .runtime import _Shown

__all__ = ["RankDeficientWarning", "column_scale", "solve_normal"]


class RankDeficientWarning(UserWarning):
    """A least-squares problem is rank deficient: its solution is not unique.

    Issued by the solvers that :func:`to_numpy` generates for normal
    equations (and by :meth:`symml.NormalEquations.fit`). The solver then
    returns the minimum-norm solution of the column-scaled problem. Turn the
    warning into an error with ``warnings.simplefilter("error", RankDeficientWarning)``.

    Attributes
    ----------
    rank : int
        The numerical rank found (singular values of the column-scaled
        matrix above ``max(rows, columns) * eps`` times the largest).
    columns : int
        The number of unknowns (columns); ``rank < columns``.
    """

    def __init__(self, message: str, rank: int = 0, columns: int = 0) -> None:
        super().__init__(message)
        self.rank = rank
        self.columns = columns


class _LstsqSolution(NamedTuple):
    """A least-squares solution with what standard errors need."""

    x: np.ndarray  # (n, q)
    rank: int
    method: str
    unscaled_cov: np.ndarray  # (A^T A)^{-1}, or its pseudo-inverse (inf where it overflows)
    residuals: np.ndarray  # b - A x, all rows, (rows, q)
    unscaled_sd: np.ndarray  # sqrt(diag(unscaled_cov)) from the scaled problem: no overflow
    scale: np.ndarray  # the column norms the problem was scaled by


def column_scale(A: np.ndarray) -> np.ndarray:
    """The Euclidean norms of the columns of ``A`` (1 for a zero column), without underflow.

    Examples
    --------
    >>> column_scale(np.array([[3e-200, 0.0], [4e-200, 0.0]])).tolist()
    [5e-200, 1.0]
    """
    big = np.max(np.abs(A), axis=0, initial=0.0)  # first: squares of 1e-200 underflow
    big = np.where(big > 0, big, 1.0)
    Ab = A / big
    norms = big * np.sqrt(np.einsum("ij,ij->j", Ab.conj(), Ab).real)
    return np.where(norms > 0, norms, 1.0)


def _lstsq(A: np.ndarray, b: np.ndarray, *, full: bool = False) -> Any:
    """Least squares ``min ||A x - b||`` by Householder QR of the column-scaled ``A``.

    Columns are scaled to unit norm first (the rank decision is then
    independent of the units of the columns), then ``A D = Q R P^T`` with
    column pivoting. Full rank: ``x = D P R^{-1} Q^T b`` by a triangular
    solve. Rank deficient: a :class:`RankDeficientWarning` and the
    minimum-norm solution of the scaled problem by SVD. ``A^T A`` is never
    formed.
    """
    import scipy.linalg as sl

    rows, n = A.shape
    scale = column_scale(A)
    As = A / scale
    eps = np.finfo(float).eps * max(rows, n, 1)
    rank = n
    method = "QR"
    if rows >= n and n > 0:
        Q, R, perm = sl.qr(As, mode="economic", pivoting=True, check_finite=False)
        diag = np.abs(np.diagonal(R))
        rank = int(np.count_nonzero(diag > eps * diag[0])) if diag[0] > 0 else 0
    if rank == n and rows >= n:
        z = sl.solve_triangular(R, Q.conj().T @ b)
        xs = np.empty_like(z)
        xs[perm] = z
        cov_s = None
        if full:
            Rinv = sl.solve_triangular(R, np.eye(n, dtype=R.dtype))
            cz = Rinv @ Rinv.conj().T
            cov_s = np.empty_like(cz)
            cov_s[np.ix_(perm, perm)] = cz
    else:
        U, s, Vh = sl.svd(As, full_matrices=False)
        rank = int(np.count_nonzero(s > eps * s[0])) if s.size and s[0] > 0 else 0
        method = "SVD"
        if rank < n:
            warnings.warn(
                RankDeficientWarning(
                    f"the least-squares matrix ({rows} x {n}) has rank {rank} < {n} columns: "
                    "the solution is not unique; returning the minimum-norm solution of the "
                    "column-scaled problem. Fix: drop or combine collinear columns, or add a "
                    "ridge penalty",
                    rank,
                    n,
                ),
                stacklevel=3,
            )
        V, s_r = Vh[:rank].conj().T, s[:rank]
        xs = V @ ((U[:, :rank].conj().T @ b) / s_r[:, None])
        cov_s = (V / s_r**2) @ V.conj().T if full else None
    x = xs / scale[:, None]
    if not full:
        return x
    with np.errstate(over="ignore", divide="ignore"):  # an overflow is inf, reported by fits
        unscaled = cov_s / np.outer(scale, scale)
        sd = np.sqrt(np.diagonal(cov_s).real) / scale
    return _LstsqSolution(x, rank, method, unscaled, b - A @ x, sd, scale)


def _whitener(kind: str | None, W: Any, label: str) -> Callable[[np.ndarray], np.ndarray]:
    """``S`` with ``S^T S`` equal to the weight ``W`` (``kind='inv'``: to ``W^{-1}``)."""
    import scipy.linalg as sl

    if kind is None:
        return lambda B: B
    W = np.asarray(W)
    if kind == "diag":
        v = W.reshape(-1)
        if np.any(v < 0):
            raise ArgumentError(
                bad_argument(label, _Shown(W), "weights must be >= 0 (a PSD weight matrix)")
            )
        r = np.sqrt(v)[:, None]
        return lambda B: r * B
    if not np.allclose(W, W.T.conj(), rtol=1e-10, atol=0):
        raise ArgumentError(
            bad_argument(
                label, _Shown(W), "the derivation assumed it symmetric; pass a symmetric matrix"
            )
        )
    off = W - np.diag(np.diagonal(W))
    if not np.any(off):  # diagonal: row scaling, no factorisation
        v = np.diagonal(W).real
        if kind == "inv":
            if np.any(v <= 0):
                raise ArgumentError(bad_argument(label, _Shown(W), "it must be positive definite"))
            r = 1 / np.sqrt(v)[:, None]
        else:
            if np.any(v < 0):
                raise ArgumentError(
                    bad_argument(label, _Shown(W), "it must be positive semi-definite")
                )
            r = np.sqrt(v)[:, None]
        return lambda B: r * B
    try:
        L = sl.cholesky(W, lower=True)
    except sl.LinAlgError:
        if kind == "inv":
            raise ArgumentError(
                bad_argument(label, _Shown(W), "it must be positive definite (Cholesky failed)")
            ) from None
        lam, V = sl.eigh(W)
        if lam[0] < -1e-10 * max(abs(lam[-1]), 1e-300):
            raise ArgumentError(
                bad_argument(
                    label, _Shown(W), f"it must be positive semi-definite (eigenvalue {lam[0]:.3g})"
                )
            ) from None
        r = np.sqrt(np.clip(lam, 0, None))[:, None]
        Vh = V.conj().T
        return lambda B: r * (Vh @ B)
    if kind == "inv":
        return lambda B: sl.solve_triangular(L, B, lower=True)
    Lh = L.conj().T
    return lambda B: Lh @ B


def solve_normal(blocks: Sequence[tuple[Any, ...]], *, full: bool = False) -> Any:
    """Solve normal equations ``(sum c_k B_k^T W_k B_k) x = sum B_k^T W_k d_k`` stably.

    Each block is ``(coefficient label, c, B, weight kind, weight label, W, d)``
    where ``B`` is an array or, for an identity, its size; ``d`` is the
    block's target already multiplied by its coefficients (or None: zero).
    The blocks are whitened and stacked into one least-squares problem
    ``[sqrt(c_k) S_k B_k] x ~ [S_k d_k / sqrt(c_k)]`` (``S_k^T S_k = W_k``),
    solved by :func:`_lstsq`. With ``full=True`` returns ``(solution,
    data_rows)``: the solution with its rank, method, unscaled covariance and
    residuals, and a boolean mask of the stacked rows that hold data (not
    penalties).

    Examples
    --------
    Ridge regression ``(X^T X + 2 I)^{-1} X^T y`` as blocks:

    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> y = np.array([[1.0], [2.0], [3.0]])
    >>> blocks = (("1", 1.0, X, None, "", None, y), ("lam", 2.0, 2, None, "", None, None))
    >>> w = solve_normal(blocks)
    >>> np.allclose(w, np.linalg.solve(X.T @ X + 2 * np.eye(2), X.T @ y))
    True
    """
    parts: list[tuple[np.ndarray, np.ndarray | None, bool]] = []
    q = None
    for clabel, c, B, kind, wlabel, W, d in blocks:
        c = np.asarray(c)
        if np.iscomplexobj(c) and c.imag != 0:
            raise ArgumentError(bad_argument(clabel, complex(c), "it must be a real number >= 0"))
        c = float(c.real)
        if not c >= 0:
            raise ArgumentError(
                bad_argument(clabel, c, "it must be >= 0 (else the Hessian is not PSD)")
            )
        data = not isinstance(B, (int, np.integer))
        B = np.asarray(B) if data else np.eye(int(B))
        if c == 0:
            if d is not None and np.any(d):
                raise ArgumentError(
                    bad_argument(clabel, c, "with a zero coefficient the equations are singular")
                )
            continue
        S = _whitener(kind, W, wlabel)
        root = np.sqrt(c)
        A_k = S(B) if root == 1 else root * S(B)
        b_k = None if d is None else (S(np.asarray(d)) if root == 1 else S(np.asarray(d)) / root)
        if b_k is not None:
            q = b_k.shape[1]
        parts.append((A_k, b_k, data))
    if not parts:
        raise ArgumentError(
            bad_argument("coefficients", 0, "all are zero: the equations have no unique solution")
        )
    q = 1 if q is None else q
    A_parts = [p[0] for p in parts]
    b_parts = [p[1] if p[1] is not None else np.zeros((p[0].shape[0], q)) for p in parts]
    if len(parts) == 1:
        A, b = A_parts[0], b_parts[0]
    else:
        A, b = np.vstack(A_parts), np.vstack(b_parts)
    if not (np.isfinite(A).all() and np.isfinite(b).all()):
        # A ValueError, as SciPy's: a generated function names the input that holds them.
        raise ValueError(
            "the stacked least-squares system contains NaN or inf (from the data, or an overflow)"
        )
    if not full:
        return _lstsq(A, b)
    solution = _lstsq(A, b, full=True)
    data_rows = np.concatenate([np.full(p[0].shape[0], p[2]) for p in parts])
    return solution, data_rows
