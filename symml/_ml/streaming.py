"""Least-squares and logistic fits on tall-skinny Dask arrays (tsqr; IRLS as reductions).

Least squares: the tall-skinny QR of ``[X | y]`` (``dask.array.linalg.tsqr``,
whose ``R`` is computed blockwise and never needs ``Q``) gives ``R_X``,
``Q^T y`` and the residual norm in one pass; ``X^T X`` is never formed.
Logistic regression: Newton / IRLS where every pass is one Dask reduction
that returns, summed over row blocks, the loss, ``X^T (y - s)`` and
``X^T diag(s (1 - s)) X`` (``n x n``); the ``n x n`` system is solved in NumPy.
Each block is reduced where it lives (threads or ``dask.distributed``
workers); nothing of length ``m`` comes back. ``import dask`` happens only for
Dask input.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .._core import ArgumentError, bad_argument


def is_dask(x: Any) -> bool:
    """Whether ``x`` is a Dask array (by its type's module: no ``import dask``)."""
    return type(x).__module__.startswith("dask.array")


def _shown(x: Any) -> str:
    return f"<dask Array of shape {x.shape}>"


def _rows(X: Any, y: Any, name: str = "y") -> tuple[Any, Any]:
    """``X`` (one column chunk) and ``y`` as a 1-D Dask array chunked like ``X``'s rows."""
    import dask.array as da

    if X.ndim != 2 or any(isinstance(c, float) and math.isnan(c) for c in X.shape):
        raise ArgumentError(
            bad_argument("X", _shown(X), "pass a 2-D Dask array of known shape (m, n)")
        )
    X = X.astype(float).rechunk({1: -1})
    y = da.asarray(y).astype(float)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ArgumentError(
            bad_argument(name, _shown(y), f"pass {X.shape[0]} values, one per row of X, as 1-D")
        )
    if X.shape[0] <= X.shape[1]:
        raise ArgumentError(
            bad_argument(
                "X", _shown(X), "a Dask fit needs a tall-skinny X (more rows than columns)"
            )
        )
    return X, y.rechunk((X.chunks[0],))


def _refuse_nonfinite(X: Any, bad_x: int, y: Any, bad_y: int) -> None:
    for label, arr, bad in (("X", X, bad_x), ("y", y, bad_y)):
        if bad:
            raise ArgumentError(
                bad_argument(
                    label,
                    _shown(arr),
                    f"{bad} values are NaN or infinite; drop those rows first "
                    "(e.g. keep = da.isfinite(X).all(axis=1) & da.isfinite(y))",
                )
            )


def least_squares_dask(X: Any, y: Any) -> dict[str, Any]:
    """Ordinary least squares on Dask ``X`` (m x n), ``y`` (m) by tall-skinny QR.

    Returns the pieces of a :class:`~symml.LeastSquaresFit`: ``params``,
    ``stderr``, ``cov``, ``sigma2``, ``rss``, ``df_resid``, ``rank``.
    """
    import dask
    import dask.array as da

    X, y = _rows(X, y)
    n = X.shape[1]
    Xy = da.concatenate([X, y[:, None]], axis=1).rechunk({1: -1})
    _q, r = da.linalg.tsqr(Xy)
    bad_x = (~da.isfinite(X)).sum()
    bad_y = (~da.isfinite(y)).sum()
    R, nx, ny = dask.compute(r, bad_x, bad_y)
    _refuse_nonfinite(X, int(nx), y, int(ny))
    Rx, qty, rn = R[:n, :n], R[:n, n], float(R[n, n])
    diag = np.abs(np.diag(Rx))
    if diag.min() <= 1e3 * np.finfo(float).eps * diag.max():
        raise ArgumentError(
            bad_argument(
                "X",
                _shown(X),
                "its columns are (nearly) collinear; remove the redundant columns "
                "(a Dask fit does not do the rank-revealing minimum-norm solution)",
            )
        )
    import scipy.linalg as sl

    params = sl.solve_triangular(Rx, qty)
    Rinv = sl.solve_triangular(Rx, np.eye(n))
    rss = rn * rn
    df = int(X.shape[0]) - n
    sigma2 = rss / df
    cov = sigma2 * (Rinv @ Rinv.T)
    stderr = np.sqrt(sigma2) * np.sqrt(np.sum(Rinv * Rinv, axis=1))
    return {
        "params": params,
        "stderr": stderr,
        "cov": cov,
        "sigma2": sigma2,
        "rss": rss,
        "df_resid": df,
        "rank": n,
    }


def _irls_block(Xb: np.ndarray, yb: np.ndarray, w: np.ndarray) -> np.ndarray:
    """One row block's loss, ``X^T (y - s)``, ``X^T diag(s(1-s)) X`` and bad-value counts."""
    k = Xb.shape[1]
    out = np.zeros((1, 3 + k + k * k))
    if Xb.shape[0] == 0:
        return out
    yb = yb[:, 0]
    with np.errstate(all="ignore"):
        out[0, 1] = np.count_nonzero(~np.isfinite(Xb))
        out[0, 2] = np.count_nonzero(~(np.isfinite(yb) & (yb >= 0) & (yb <= 1)))
        eta = Xb @ w
        s = 0.5 * np.tanh(0.5 * eta) + 0.5  # the stable sigmoid
        out[0, 0] = float(np.sum(np.logaddexp(0.0, eta) - yb * eta))
        out[0, 3 : 3 + k] = Xb.T @ (yb - s)
        out[0, 3 + k :] = (Xb.T @ (Xb * (s * (1 - s))[:, None])).ravel()
    return out


def _irls_pass(X: Any, y: Any, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, int, int]:
    k = X.shape[1]
    width = 3 + k + k * k
    rows = X.map_blocks(
        _irls_block,
        y[:, None],
        w,
        chunks=((1,) * X.numblocks[0], (width,)),
        dtype=float,
    )
    table = np.asarray(rows.compute(), dtype=float)
    f = math.fsum(table[:, 0].tolist())
    total = table[:, 1:].sum(axis=0)
    g = total[2 : 2 + k]
    H = total[2 + k :].reshape(k, k)
    return f, g, H, int(total[0]), int(total[1])


def logistic_dask(
    X: Any, y: Any, *, tol: float, max_iter: int, start: Any
) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
    """IRLS on Dask ``X``, ``y``: (weights, Hessian at them, log-likelihood, iterations, converged).

    One Dask reduction per Newton iteration (the loss, gradient and Hessian at
    the current weights); a step that increases the loss is halved (damped
    Newton, as the NumPy fit). Raises ``numpy.linalg.LinAlgError`` for a
    singular Hessian.
    """
    import scipy.linalg as sl

    X, y = _rows(X, y)
    k = X.shape[1]
    w = np.zeros(k) if start is None else np.asarray(start, dtype=float).reshape(k)
    f, g, H, bad_x, bad_y = _irls_pass(X, y, w)
    _refuse_nonfinite(X, bad_x, y, 0)
    if bad_y:
        raise ArgumentError(
            bad_argument("y", _shown(y), f"{bad_y} labels are outside [0, 1] or NaN")
        )
    delta = math.inf
    for it in range(1, max_iter + 1):
        step = sl.cho_solve(sl.cho_factor(H), g)
        t = 1.0
        while True:
            w_new = w + t * step
            f_new, g_new, H_new, *_ = _irls_pass(X, y, w_new)
            if f_new <= f + 1e-12 * abs(f) or t <= 1e-10:
                break
            t /= 2
        delta = float(np.max(np.abs(w_new - w)))
        w, f, g, H = w_new, f_new, g_new, H_new
        if delta <= tol * (1 + float(np.max(np.abs(w)))):
            return w, H, -f, it, True
    from .logistic import ConvergenceWarning

    warnings.warn(
        ConvergenceWarning(
            f"Newton's method did not converge in {max_iter} iterations (last step "
            f"{delta:.3g}); if the classes are separable the likelihood has no "
            "maximum: the weights grow without bound"
        ),
        stacklevel=4,
    )
    return w, H, -f, max_iter, False
