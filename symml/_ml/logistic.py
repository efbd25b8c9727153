r"""Logistic regression: the Newton (IRLS) step derived in matrix form, and fits.

============================  ======================================================
name                          what it gives
============================  ======================================================
:func:`logistic_regression`   :class:`LogisticRegression`, a Derivation of the
                              Newton (IRLS) step ``w - H**-1 * g`` from the matrix
                              gradient and Hessian of the negative log-likelihood;
                              ``.fit(X, y)`` gives a :class:`LogisticFit`
:func:`fit_logistic`          a :class:`LogisticFit` for data, default symbols
:class:`ConvergenceWarning`   a Newton fit stopped at ``max_iter``
============================  ======================================================

Examples
--------
>>> import numpy as np, symml
>>> X = np.c_[np.ones(6), [0.0, 1, 2, 3, 4, 5]]
>>> symml.fit_logistic(X, np.array([0.0, 0, 1, 0, 1, 1])).params.round(4)
array([-3.0351,  1.214 ])
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._codegen import column_scale, require_finite, to_numpy
from .._core import DEFAULT_BUDGET, ArgumentError, Deadline, Derivation, Step, bad_argument
from .regression import (
    column_names,
    derive,
    overflow_note,
    refuse_masked,
    rows_fix,
    stderr_notes,
)
from .streaming import is_dask, logistic_dask

__all__ = [
    "ConvergenceWarning",
    "LogisticFit",
    "LogisticRegression",
    "fit_logistic",
    "logistic_regression",
]


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before its tolerance was met."""


# --------------------------------------------------------------------------
# Logistic regression
# --------------------------------------------------------------------------
def _softplus() -> sp.Lambda:
    t = sp.Dummy("t", real=True)
    return sp.Lambda(t, sp.log(1 + sp.exp(t)))


class LogisticRegression(Derivation):
    """Logistic regression as a Derivation: the Newton (IRLS) step.

    Made by :func:`logistic_regression`. ``.result`` is
    ``Eq(w_new, w - H**-1 * g)``; ``loss`` is the negative log-likelihood
    (a SymPy matrix expression), ``gradient`` and ``hessian`` its
    Derivations; :meth:`fit` runs the step to convergence on data.
    """

    __slots__ = ("gradient", "hessian", "loss", "symbols")

    loss: sp.Basic
    gradient: Derivation
    hessian: Derivation
    symbols: tuple[sp.MatrixSymbol, sp.MatrixSymbol, sp.MatrixSymbol]

    def default_args(self) -> list[Any]:
        """``[X, y, w]``: data, labels, current weights."""
        return list(self.symbols)

    def fit(
        self, X: Any, y: Any, *, tol: float = 1e-10, max_iter: int = 100, start: Any = None
    ) -> LogisticFit:
        """Maximum-likelihood fit by Newton's method with the derived step.

        Each iteration evaluates the generated ``newton_step`` (one pass
        shares ``X @ w`` and the sigmoid between gradient and Hessian and
        solves ``H d = g`` by LU); a step that increases the loss is halved
        until it does not (damped Newton). Newton runs on ``X`` with its
        columns scaled to unit norm (weights ``w * norms``, the same loss), so
        tiny or huge columns neither underflow nor overflow; it stops when
        ``max|dw| <= tol * (1 + max|w|)`` in those scaled weights.

        Parameters
        ----------
        X : array_like, shape (m, n)
            The design matrix (add a column of ones for an intercept).
            ``X`` and ``y`` may both be Dask arrays (row blocks): then each
            Newton (IRLS) pass is one Dask reduction returning the loss,
            ``X^T (y - s)`` and ``X^T diag(s(1 - s)) X``, and the ``n x n``
            system is solved in NumPy (no column scaling).
        y : array_like, shape (m,)
            Labels in ``[0, 1]`` (0/1, or proportions).
        tol, max_iter : float, int
            Convergence tolerance and iteration limit (then a
            :class:`ConvergenceWarning`: with separated classes the
            likelihood has no maximum).
        start : array_like, optional
            Starting weights (default zeros).

        Raises
        ------
        ArgumentError
            NaN or inf in ``X`` or ``y`` (named, with the positions), labels
            outside ``[0, 1]``, wrong shapes, a singular Hessian.

        Returns
        -------
        LogisticFit

        Examples
        --------
        >>> import numpy as np, symml
        >>> X = np.c_[np.ones(6), [0.0, 1, 2, 3, 4, 5]]
        >>> fit = symml.logistic_regression().fit(X, np.array([0.0, 0, 1, 0, 1, 1]))
        >>> fit.converged, fit.params.round(4)
        (True, array([-3.0351,  1.214 ]))
        """
        import scipy.linalg as sl

        if is_dask(X) or is_dask(y):
            return _fit_dask(X, y, tol=tol, max_iter=max_iter, start=start)
        step, loss, hessian = _compiled(self)
        Xa, ya = _checked_data(X, y)
        # Newton on X with unit-norm columns (the same loss for w * scale): tiny or huge
        # columns (X * 1e-200) neither underflow the Hessian nor overflow the step.
        scale = column_scale(Xa)
        Xs = Xa / scale
        w = np.zeros(Xa.shape[1]) if start is None else np.asarray(start, dtype=float) * scale
        try:
            w, f, it, converged = _newton(step, loss, Xs, ya, w, tol=tol, max_iter=max_iter)
            H = hessian(Xs, ya, w)
            cov_s = sl.cho_solve(sl.cho_factor(H), np.eye(len(w)))
        except np.linalg.LinAlgError:
            fix = (
                "the Hessian X.T*diag(s*(1 - s))*X is singular: remove collinear columns "
                "(or the classes are separated)"
            )
            raise ArgumentError(bad_argument("X", X, fix)) from None
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            cov = cov_s / np.outer(scale, scale)
        stderr = np.sqrt(np.diagonal(cov_s)) / scale
        causes = [] if np.all(np.isfinite(cov)) else [overflow_note(scale)]
        notes = stderr_notes(stderr, cov, causes, stacklevel=2)  # the caller of fit
        names = column_names(self.symbols[:1], [X])
        return LogisticFit(w / scale, stderr, cov, -float(f), it, converged, names, notes)


def _fit_dask(X: Any, y: Any, *, tol: float, max_iter: int, start: Any) -> LogisticFit:
    """The fit on Dask arrays: IRLS, one Dask reduction per pass (module ``streaming``)."""
    import scipy.linalg as sl

    if not (is_dask(X) and is_dask(y)):
        raise ArgumentError(
            bad_argument("X", type(X).__name__, "pass X and y both as Dask arrays, or neither")
        )
    try:
        w, H, loglike, it, converged = logistic_dask(X, y, tol=tol, max_iter=max_iter, start=start)
        cov = sl.cho_solve(sl.cho_factor(H), np.eye(len(w)))
    except np.linalg.LinAlgError:
        fix = (
            "the Hessian X.T*diag(s*(1 - s))*X is singular: remove collinear columns "
            "(or the classes are separated)"
        )
        raise ArgumentError(bad_argument("X", f"<dask Array of shape {X.shape}>", fix)) from None
    stderr = np.sqrt(np.diagonal(cov))
    notes = stderr_notes(stderr, cov, [], stacklevel=3)  # the caller of fit
    return LogisticFit(w, stderr, cov, loglike, it, converged, None, notes)


def _checked_data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` as float arrays, checked: finite, 2-D and 1-D, labels in [0, 1]."""
    refuse_masked("X", X, ["X", "y"])
    refuse_masked("y", y, ["X", "y"])
    Xa = np.asarray(X, dtype=float)
    ya = np.asarray(y, dtype=float)
    for label, arr in (("X", Xa), ("y", ya)):
        require_finite(label, arr, rows_fix(["X", "y"]))
    if Xa.ndim != 2:
        raise ArgumentError(bad_argument("X", X, "pass a 2-D design matrix (m, n)"))
    if ya.ndim != 1 or ya.shape[0] != Xa.shape[0]:
        raise ArgumentError(
            bad_argument("y", y, f"pass {Xa.shape[0]} labels, one per row of X, as 1-D")
        )
    if np.any((ya < 0) | (ya > 1)):
        raise ArgumentError(bad_argument("y", y, "labels must lie in [0, 1] (0/1 outcomes)"))
    return Xa, ya


def _newton(
    step: Callable[..., Any],
    loss: Callable[..., Any],
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    *,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, float, int, bool]:
    """Damped Newton from ``w``: (weights, loss, iterations, converged); warns if not converged.

    A step that increases the loss is halved until it does not; stops when
    ``max|dw| <= tol * (1 + max|w|)``. Raises LinAlgError for a singular Hessian.
    """
    f = loss(X, y, w)
    delta = np.inf
    for it in range(1, max_iter + 1):
        w_new = step(X, y, w)
        f_new = loss(X, y, w_new)
        t = 1.0
        while not f_new <= f + 1e-12 * abs(f) and t > 1e-10:
            t /= 2
            w_new = w + t * (step(X, y, w) - w)
            f_new = loss(X, y, w_new)
        delta = np.max(np.abs(w_new - w))
        w, f = w_new, f_new
        if delta <= tol * (1 + np.max(np.abs(w))):
            return w, f, it, True
    warnings.warn(
        ConvergenceWarning(
            f"Newton's method did not converge in {max_iter} iterations (last step "
            f"{delta:.3g}); if the classes are separable the likelihood has no "
            "maximum: the weights grow without bound"
        ),
        stacklevel=3,
    )
    return w, f, max_iter, False


@functools.lru_cache(maxsize=8)
def _compiled(d: LogisticRegression) -> tuple[Callable[..., Any], ...]:
    """The Newton step, the loss and the Hessian as NumPy functions of ``[X, y, w]``."""
    args = d.default_args()
    return (
        d.to_numpy(args, name="newton_step"),
        to_numpy(d.loss, args, name="nll"),
        to_numpy(d.hessian.result, args, name="hessian"),
    )


@dataclass(frozen=True)
class LogisticFit:
    """A logistic-regression fit (the estimates statsmodels' ``Logit`` reports).

    Attributes
    ----------
    params : ndarray, shape (n,)
        Maximum-likelihood weights.
    stderr : ndarray, shape (n,)
        ``sqrt(diag(cov))``.
    cov : ndarray, shape (n, n)
        Inverse of the Hessian ``X^T diag(s (1 - s)) X`` at ``params`` (the
        inverse observed Fisher information), by a Cholesky solve.
    loglike : float
        The log-likelihood at ``params``.
    n_iter : int
        Newton iterations used.
    converged : bool
        Whether the tolerance was met.
    names : tuple of str or None
        Column labels of ``X`` when it was a DataFrame.
    notes : tuple of str
        Why standard errors or covariances are NaN or inf, each also issued
        as a :class:`StandardErrorWarning`; empty when they are finite.
    """

    params: np.ndarray
    stderr: np.ndarray
    cov: np.ndarray
    loglike: float
    n_iter: int
    converged: bool
    names: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()

    def predict(self, X: Any) -> np.ndarray:
        """Probabilities ``expit(X @ params)``."""
        from scipy.special import expit as sigmoid

        return sigmoid(np.asarray(X, dtype=float) @ self.params)


def _accept_the_old_order(
    func: Callable[..., LogisticRegression],
) -> Callable[..., LogisticRegression]:
    """Positional ``(X, w, y)`` (the order before 0.2) still works, with a DeprecationWarning.

    It is recognised by the second argument's shape: n x 1 with ``n = X.shape[1]``
    (a weight vector) where ``X`` is not square. A square ``X`` reads in the new order.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> LogisticRegression:
        if len(args) >= 2 and _is_weight_vector(args[1], args[0]):
            warnings.warn(
                "logistic_regression(X, w, y) is deprecated and will be removed in symml 0.3: "
                "the order is now (X, y, w), as in fit_logistic(X, y); or pass keywords",
                DeprecationWarning,
                stacklevel=2,
            )
            named = dict(zip(("X", "w", "y"), args, strict=False))
            clash = sorted(set(named) & set(kwargs))
            if clash:
                raise ArgumentError(bad_argument(clash[0], kwargs[clash[0]], "given twice"))
            return func(**named, **kwargs)
        return func(*args, **kwargs)

    return wrapper


def _is_weight_vector(v: Any, X: Any) -> bool:
    if not (isinstance(v, sp.MatrixSymbol) and isinstance(X, sp.MatrixSymbol)):
        return False
    rows, cols = X.shape
    return v.shape == (cols, 1) and sp.simplify(rows - cols) != 0


@_accept_the_old_order
def logistic_regression(
    X: Any = None, y: Any = None, w: Any = None, *, budget: float = DEFAULT_BUDGET
) -> LogisticRegression:
    r"""Derive logistic regression in matrix form: loss, gradient, Hessian and Newton step.

    Parameters
    ----------
    X, y, w : MatrixSymbol, optional
        Design matrix (m x n), 0/1 labels (m x 1) and weights (n x 1), in
        the order of :func:`fit_logistic` ``(X, y)`` and of
        :meth:`LogisticRegression.default_args`; default
        ``MatrixSymbol("X", m, n)`` etc. with ``m, n`` positive integer
        symbols. (Before 0.2 the order was ``(X, w, y)``; positional calls
        in that order still work, with a ``DeprecationWarning``.)
    budget : float
        Seconds for the symbolic work (the matrix gradient and Hessian),
        default ``symml.DEFAULT_BUDGET``.

    Returns
    -------
    LogisticRegression
        A Derivation with result ``Eq(w_new, w - H**-1 * g)``, where
        ``loss = 1^T softplus(X w) - y^T X w`` (the negative log-likelihood,
        ``softplus(t) = log(1 + exp(t))``), ``g = X^T (sigma(X w) - y)`` and
        ``H = X^T diag(sigma(X w) * (1 - sigma(X w))) X`` come from
        :func:`symml.gradient` / :func:`symml.hessian`. ``.fit(X, y)`` runs
        Newton's method on data with the generated step (IRLS: the same
        iteration). Because ``diag`` becomes broadcasting, one step costs two
        passes over ``X``.

    Examples
    --------
    >>> import symml
    >>> lr = symml.logistic_regression()
    >>> lr.gradient.result
    X.T*(Lambda(_t, expit(_t)).(X*w) - y)
    >>> lr.result.lhs, lr.default_args()
    (w_new, [X, y, w])
    >>> bool(lr.gradient.verify()) and bool(lr.hessian.verify())
    True
    """
    deadline = Deadline(budget)
    n, m = sp.symbols("n m", integer=True, positive=True)
    X = sp.MatrixSymbol("X", m, n) if X is None else X
    w = sp.MatrixSymbol("w", n, 1) if w is None else w
    y = sp.MatrixSymbol("y", m, 1) if y is None else y
    for name, value in (("X", X), ("w", w), ("y", y)):
        if not isinstance(value, sp.MatrixSymbol):
            raise ArgumentError(bad_argument(name, value, "pass a MatrixSymbol (or nothing)"))
    if not (w.shape[1] == 1 and y.shape[1] == 1 and X.shape == (y.shape[0], w.shape[0])):
        raise ArgumentError(
            bad_argument(
                "X",
                X,
                f"shapes must be X: m x n, w: n x 1, y: m x 1; got {X.shape}, {w.shape}, {y.shape}",
            )
        )
    rows = X.shape[0]
    loss = sp.OneMatrix(1, rows) * (X * w).applyfunc(_softplus()) - y.T * X * w
    grad = derive("gradient", loss, w, deadline)
    hess = derive("hessian", loss, w, deadline)
    w_new = sp.MatrixSymbol(f"{w.name}_new", *w.shape)
    newton = w - hess.result**-1 * grad.result
    result = sp.Eq(w_new, newton)

    def steps() -> list[Step]:
        return [
            Step(loss, "negative log-likelihood of y_i ~ Bernoulli(sigma(x_i^T w))", lhs="L(w)"),
            *grad.steps,
            Step(
                hess.result,
                "differentiate the gradient again (sigma' = sigma (1 - sigma))",
                lhs=r"\nabla^2_{w} L",
            ),
            Step(newton, "Newton step: minimise the quadratic model of L at w", lhs=w_new),
        ]

    return LogisticRegression(
        result,
        steps,
        assumptions=["y in [0, 1]", "X has full column rank", "the classes are not separable"],
        kind="logistic regression",
        source=loss,
        wrt=(w,),
        loss=loss,
        gradient=grad,
        hessian=hess,
        symbols=(X, y, w),
    )


@functools.lru_cache(maxsize=1)
def _default_logistic() -> LogisticRegression:
    return logistic_regression()


def fit_logistic(
    X: Any, y: Any, *, tol: float = 1e-10, max_iter: int = 100, start: Any = None
) -> LogisticFit:
    """Fit a logistic regression to data: :meth:`LogisticRegression.fit` with default symbols.

    ``X`` (m x n, a NumPy array or DataFrame; include a column of ones for
    an intercept) and ``y`` (m labels in ``[0, 1]``). Returns a
    :class:`LogisticFit` with ``params``, ``stderr``, ``cov``, ``loglike``.
    Dask arrays ``X``, ``y`` are fitted by IRLS with one Dask reduction per
    pass (see :meth:`LogisticRegression.fit`).

    Examples
    --------
    >>> import numpy as np, symml
    >>> X = np.c_[np.ones(6), [0.0, 1, 2, 3, 4, 5]]
    >>> fit = symml.fit_logistic(X, np.array([0.0, 0, 1, 0, 1, 1]))
    >>> fit.params.round(4), fit.stderr.round(4)
    (array([-3.0351,  1.214 ]), array([2.5457, 0.9126]))
    """
    return _default_logistic().fit(X, y, tol=tol, max_iter=max_iter, start=start)
