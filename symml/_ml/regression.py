r"""Least squares: the normal equations derived in matrix form, solved stably.

============================  ======================================================
name                          what it gives
============================  ======================================================
:func:`normal_equations`      :class:`NormalEquations`, a Derivation whose result is
                              ``Eq(w, (X.T*X)**-1*X.T*y)`` (ordinary, ridge,
                              weighted, generalised least squares); ``.fit(X, y)``
                              gives a :class:`LeastSquaresFit` with standard errors
``derive``                    the matrix gradient or Hessian of a loss (square
                              matrices taken symmetric), within a budget; shared
                              with :mod:`symml._ml.logistic`
:func:`rows_fix`              how to drop rows with NaN/inf from the data (the
                              message of ``symml._codegen.require_finite``)
:func:`stderr_notes`          notes, and a :class:`StandardErrorWarning`, for
                              standard errors or covariances that are NaN or inf
============================  ======================================================

The symbolic side comes from matrix calculus (:func:`symml.gradient` and
:func:`symml.hessian` with a ``MatrixSymbol``); the numeric side from
:func:`symml.to_numpy`, the one code generator, which turns every
``M**-1 * N`` of normal-equation shape into a QR least-squares solve of the
stacked, whitened system (never ``inv``, never a factorisation of
``X.T*X``); see the "How it works" section of :func:`normal_equations`.

Examples
--------
>>> import numpy as np, sympy as sp, symml
>>> n, m = sp.symbols("n m", integer=True, positive=True)
>>> X, w, y = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("y", m, 1)
>>> ne = symml.normal_equations((X*w - y).T*(X*w - y), w)
>>> ne.result
Eq(w, (X.T*X)**(-1)*X.T*y)
>>> solve = ne.to_numpy(args=[X, y])
>>> solve(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), np.array([1.0, 3.0, 5.0]))
array([1., 2.])
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from .._calculus import gradient, hessian
from .._codegen import (
    gram_block,
    normal_system,
    product,
    require_finite,
    solve_normal,
    terms,
    to_numpy,
)
from .._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    BudgetExceededError,
    Deadline,
    Derivation,
    NoClosedFormError,
    Step,
    Verdict,
    as_sympy,
    bad_argument,
    renamed_keywords,
)
from .streaming import is_dask, least_squares_dask

__all__ = [
    "LeastSquaresFit",
    "NormalEquations",
    "StandardErrorWarning",
    "column_names",
    "derive",
    "normal_equations",
    "overflow_note",
    "rows_fix",
    "stderr_notes",
]


# --------------------------------------------------------------------------
# Checks on fit data and on the standard errors a fit returns (shared with logistic)
# --------------------------------------------------------------------------
class StandardErrorWarning(UserWarning):
    """Standard errors or covariances of a fit are NaN or inf; ``fit.notes`` says why.

    The estimates themselves are still returned. Turn the warning into an
    error with ``warnings.simplefilter("error", StandardErrorWarning)``.
    """


def rows_fix(names: Sequence[str]) -> str:
    """How to drop incomplete rows from the data arrays ``names`` (the matrix X first)."""
    mask = " & ".join(
        f"np.isfinite({n}).all(axis=1)" if i == 0 and len(names) > 1 else f"np.isfinite({n})"
        for i, n in enumerate(names)
    )
    picked = ", ".join(f"{n}[keep]" for n in names)
    return (
        f"drop the rows that hold them from every data array alike (keep = {mask}; "
        f"fit({picked})) or impute them"
    )


def refuse_masked(name: str, value: Any, names: Sequence[str]) -> None:
    """Refuse a NumPy masked array that masks entries, naming them (``names``: the data arrays).

    Fits on several arrays (``X`` and ``y``) do not drop masked rows on their
    own: which rows to drop from every array alike is the caller's decision.
    A masked array with nothing masked is accepted. (The statistics
    functions, which take one sample, drop masked values instead.)

    Examples
    --------
    >>> refuse_masked("y", np.ma.masked_array([1.0, 2.0, 9.0], mask=[0, 0, 1]), ["X", "y"])
    Traceback (most recent call last):
    ...
    symml.ArgumentError: y is a masked array with 1 masked value at index 2: ...
    """
    if not isinstance(value, np.ma.MaskedArray):
        return
    mask = np.ma.getmaskarray(value)
    count = int(np.count_nonzero(mask))
    if not count:
        return
    where = np.argwhere(mask)[:5]
    shown = ", ".join(str(int(p[0])) if len(p) == 1 else str(tuple(map(int, p))) for p in where)
    more = f" and {count - 5} more" if count > 5 else ""
    word = "value" if count == 1 else "values"
    at = "at index" if mask.ndim == 1 else "at"
    keep = " & ".join(
        f"~{n}.mask.any(axis=1)" if i == 0 and len(names) > 1 else f"~{n}.mask"
        for i, n in enumerate(names)
    )
    picked = ", ".join(f"{n}.data[keep]" for n in names)
    raise ArgumentError(
        f"{name} is a masked array with {count} masked {word} {at} {shown}{more}: the fit "
        f"does not drop masked rows by itself; drop them from every data array alike "
        f"(keep = {keep}; fit({picked})) or fill them"
    )


def overflow_note(scale: np.ndarray) -> str:
    """The note for a covariance that overflows because of the columns' norms ``scale``."""
    return (
        "cov overflows float64 (inf entries): columns of X have tiny or huge norms "
        f"(from {np.min(scale):.3g} to {np.max(scale):.3g}); stderr comes from the "
        "column-scaled problem and is finite; rescale X's columns "
        "(e.g. X / np.linalg.norm(X, axis=0)) and refit for a usable cov"
    )


def stderr_notes(
    stderr: np.ndarray, cov: np.ndarray, causes: Sequence[str], *, stacklevel: int
) -> tuple[str, ...]:
    """Notes on non-finite standard errors or covariances; warns when there are any.

    ``causes``: what the fit knows about why (e.g. no residual degrees of
    freedom), listed first; a generic note is added when the arrays are not
    finite and no cause was given. ``stacklevel`` counts from the caller of
    this function (2: the caller's caller), as in ``warnings.warn``.
    """
    notes = list(causes)
    if not notes and not (np.all(np.isfinite(stderr)) and np.all(np.isfinite(cov))):
        notes.append(
            "some standard errors or covariances are NaN or inf: the data do not determine "
            "the estimates' uncertainty in float64; rescale the columns of X and refit"
        )
    if notes:
        warnings.warn(StandardErrorWarning("; ".join(notes)), stacklevel=stacklevel + 1)
    return tuple(notes)


# --------------------------------------------------------------------------
# Matrix calculus (symml.gradient / symml.hessian) under symmetry assumptions
# --------------------------------------------------------------------------
def _symmetric_matrices(expr: sp.Basic, wrt: sp.MatrixSymbol) -> list[sp.MatrixSymbol]:
    """Square matrix symbols other than ``wrt``: weights and covariances, taken symmetric."""
    return sorted(
        (
            s
            for s in expr.atoms(sp.MatrixSymbol)
            if s != wrt and s.shape[0] == s.shape[1] and s.shape[0] != 1
        ),
        key=lambda s: s.name,
    )


def derive(kind: str, expr: sp.Basic, wrt: sp.MatrixSymbol, deadline: Deadline) -> Derivation:
    """The matrix ``"gradient"`` or ``"hessian"`` of ``expr`` within what is left of ``deadline``.

    Square matrix symbols other than ``wrt`` (weights, covariances) are taken symmetric.
    """
    symmetric = _symmetric_matrices(expr, wrt)
    func = gradient if kind == "gradient" else hessian

    def work() -> Derivation:
        with sp.assuming(*(sp.Q.symmetric(s) for s in symmetric)):
            return func(expr, wrt)

    value, finished = deadline.run(work)
    if not finished or value is None:
        raise BudgetExceededError(
            bad_argument(
                "budget", deadline.seconds, f"the {kind} took longer than the budget; raise budget="
            )
        )
    return value


def _as_column(wrt: Any) -> sp.MatrixSymbol:
    if not (isinstance(wrt, sp.MatrixSymbol) and wrt.shape[1] == 1):
        raise ArgumentError(
            bad_argument(
                "wrt",
                wrt,
                "pass the unknown as a column MatrixSymbol, e.g. MatrixSymbol('w', n, 1)",
            )
        )
    return wrt


def _as_loss(loss: Any, wrt: sp.MatrixSymbol) -> sp.Basic:
    expr = as_sympy(loss, "f")
    if isinstance(expr, sp.MatrixExpr) and expr.shape != (1, 1):
        raise ArgumentError(
            bad_argument("f", loss, f"it is {expr.shape[0]} x {expr.shape[1]}; pass a scalar")
        )
    if not expr.has(wrt):
        raise ArgumentError(bad_argument("f", loss, f"it does not depend on {wrt}"))
    return expr


# --------------------------------------------------------------------------
# Normal equations
# --------------------------------------------------------------------------
def _linear_split(
    grad: sp.Basic, w: sp.MatrixSymbol, loss: Any
) -> tuple[list[tuple[sp.Expr, list[sp.MatrixExpr]]], list[sp.MatrixExpr]]:
    """Split the gradient into ``sum c_k A_k w`` and ``w``-free terms, or refuse."""
    linear: list[tuple[sp.Expr, list[sp.MatrixExpr]]] = []
    constant: list[sp.MatrixExpr] = []
    for coeff, factors in terms(grad):
        term = coeff * product(factors)
        if not term.has(w):
            constant.append(term)
        elif factors[-1] == w and not coeff.has(w) and not any(f.has(w) for f in factors[:-1]):
            linear.append((coeff, factors[:-1]))
        else:
            raise NoClosedFormError(
                bad_argument(
                    "f",
                    loss,
                    f"it is not quadratic in {w}: its gradient has the term {term}, which is "
                    f"not linear in {w}, so the gradient = 0 equations have no closed form. "
                    f"Minimise it numerically instead (for the logistic loss: "
                    f"symml.fit_logistic)",
                )
            )
    if not linear:
        raise NoClosedFormError(
            bad_argument("f", loss, f"it is linear in {w}, so it has no minimum")
        )
    return linear, constant


def _common_factor(coeffs: Sequence[sp.Expr]) -> sp.Expr:
    """A positive factor common to all coefficients (the 2 of a square, a 1/m of a mean)."""
    k = functools.reduce(sp.gcd, coeffs)
    if k.could_extract_minus_sign():
        k = -k
    if k.is_positive:
        return k
    nums = [abs(c.as_coeff_Mul()[0]) for c in coeffs]
    return functools.reduce(sp.gcd, nums) if all(n.is_Rational for n in nums) else sp.S.One


def _psd_assumptions(
    hessian: sp.MatrixExpr, terms: list[tuple[sp.Expr, list[sp.MatrixExpr]]], loss: Any
) -> list[str]:
    """Assumptions under which every term ``c B^T W B`` is PSD; refuse other shapes."""
    out: list[str] = []
    for coeff, factors in terms:
        block = gram_block(coeff, factors or [sp.Identity(hessian.shape[0])])
        term = coeff * (product(factors) if factors else sp.Identity(hessian.shape[0]))
        if block is None:
            raise ArgumentError(
                bad_argument(
                    "f",
                    loss,
                    f"its Hessian {hessian} has the term {term}, not of the "
                    "form c*B.T*W*B, so it is not known to be positive semi-definite; "
                    "normal_equations solves least-squares losses such as (X*w - y).T*(X*w - y)",
                )
            )
        if coeff.is_negative:
            raise ArgumentError(
                bad_argument(
                    "f",
                    loss,
                    f"its Hessian {hessian} is not positive semi-definite (the term "
                    f"{term} has a negative coefficient), so gradient = 0 "
                    "is not a minimum",
                )
            )
        if not coeff.is_nonnegative:
            out.append(f"{coeff} >= 0")
        if block.kind == "psd":
            out.append(f"{block.W} symmetric positive semi-definite")
        elif block.kind == "inv":
            out.append(f"{block.W} symmetric positive definite")
        elif block.kind == "diag":
            out.append(f"{block.W} >= 0 element-wise")
    return list(dict.fromkeys(out))


class NormalEquations(Derivation):
    """The normal equations of a least-squares loss and their solution.

    A :class:`~symml.Derivation` (``kind="normal equations"``) whose result
    is ``Eq(w, solution)``, made by :func:`normal_equations`. Beyond a
    Derivation it has ``gradient`` (the gradient Derivation), ``hessian``
    (a SymPy matrix expression) and :meth:`fit`.
    """

    __slots__ = ("gradient", "hessian")

    gradient: Derivation
    hessian: sp.Basic

    def default_args(self) -> list[Any]:
        """The data of the solution: non-square matrices, then square ones, then scalars.

        Each group is sorted by name: ``[X, y]``, ``[X, y, lambda]``,
        ``[X, y, W]``, ``[X, y, Sigma]``.
        """
        rhs = self.result.rhs
        mats = sorted(rhs.atoms(sp.MatrixSymbol), key=lambda s: (s.shape[0] == s.shape[1], s.name))
        dims = {d for s in mats for d in s.shape}
        scalars = sorted(
            (s for s in rhs.free_symbols if isinstance(s, sp.Symbol) and s not in dims),
            key=lambda s: s.name,
        )
        return [*mats, *scalars]

    def fit(self, *data: Any, args: Sequence[Any] | None = None) -> LeastSquaresFit:
        """Solve for data and estimate standard errors; returns a :class:`LeastSquaresFit`.

        Parameters
        ----------
        *data : array_like
            One array per argument, in the order of ``args``: NumPy arrays,
            pandas DataFrames / Series, nested lists.
            For ordinary least squares, ``X`` and ``y`` may be Dask arrays
            (tall-skinny, row blocks): the fit is the tall-skinny QR of
            ``[X | y]`` (``dask.array.linalg.tsqr``), never ``X^T X``, and
            nothing of length ``m`` is materialised (module
            ``symml._ml.streaming``).
        args : sequence of symbols, optional
            The symbols the data stand for (default :meth:`default_args`).

        Raises
        ------
        ArgumentError
            Too few or too many arrays (the message lists the symbols); NaN
            or inf in the data (the message names the argument, the count
            and positions of the bad values, and how to drop those rows).

        Warns
        -----
        StandardErrorWarning
            Standard errors or covariances that are NaN or inf (no residual
            degrees of freedom; columns so tiny that ``cov`` overflows); the
            same text is in ``fit.notes``.

        Examples
        --------
        >>> import numpy as np, sympy as sp, symml
        >>> n, m = sp.symbols("n m", integer=True, positive=True)
        >>> X, w = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1)
        >>> y = sp.MatrixSymbol("y", m, 1)
        >>> ne = symml.normal_equations((X*w - y).T*(X*w - y), w)
        >>> fit = ne.fit(np.c_[np.ones(4), [0.0, 1, 2, 3]], np.array([1.0, 3.1, 4.9, 7.0]))
        >>> fit.params.round(6), fit.rank
        (array([1.03, 1.98]), 2)
        """
        args = self.default_args() if args is None else list(args)
        if any(is_dask(v) for v in data):
            return _fit_dask(self, args, data)
        _require_finite_data(args, data)
        system = _compiled_system(self.result, tuple(args))
        solution, data_rows = solve_normal(system(*data), full=True)
        return LeastSquaresFit._from_solution(solution, data_rows, column_names(args, data))


def _fit_dask(ne: NormalEquations, args: list[Any], data: Sequence[Any]) -> LeastSquaresFit:
    """Ordinary least squares on a tall-skinny Dask ``X`` by tsqr (module ``streaming``)."""
    mats = [s for s in args if isinstance(s, sp.MatrixSymbol)]
    ols = len(args) == len(data) == 2 and len(mats) == 2
    if ols:
        X, y = args
        ols = ne.result.rhs == (X.T * X).I * X.T * y
    if not ols:
        raise ArgumentError(
            bad_argument(
                "data",
                f"<{len(data)} arrays, some Dask>",
                "on Dask arrays only ordinary least squares (X*w - y).T*(X*w - y) with "
                "data (X, y) is streamed; weight the rows yourself (sqrt(W)*X, sqrt(W)*y) "
                "or pass NumPy arrays",
            )
        )
    parts = least_squares_dask(*data)
    cov = parts["cov"]
    notes = stderr_notes(parts["stderr"], cov, [], stacklevel=3)  # the caller of fit
    return LeastSquaresFit(
        parts["params"],
        parts["stderr"],
        cov,
        float(parts["sigma2"]),
        float(parts["rss"]),
        parts["df_resid"],
        parts["rank"],
        "QR (Dask tsqr)",
        None,
        notes,
    )


def _require_finite_data(args: Sequence[Any], data: Sequence[Any]) -> None:
    """Refuse NaN/inf in the data, naming the argument and the positions."""
    mats = [s for s in args if isinstance(s, sp.MatrixSymbol) and s.shape[0] != s.shape[1]]
    tables = [s.name for s in mats if s.shape[1] != 1] + [s.name for s in mats if s.shape[1] == 1]
    for sym, value in zip(args, data, strict=False):
        name = getattr(sym, "name", str(sym))
        refuse_masked(name, value, tables if name in tables else [name])
        fix = rows_fix(tables) if name in tables else f"pass finite values for {name}"
        require_finite(name, value, fix)


@functools.lru_cache(maxsize=32)
def _compiled_system(result: sp.Eq, args: tuple[Any, ...]) -> Callable[..., Any]:
    """The stacked least-squares system of ``result`` for ``args``, generated once."""
    return normal_system(result, list(args), name="NormalEquations.fit")


def column_names(args: Sequence[Any], data: Sequence[Any]) -> tuple[str, ...] | None:
    """Column labels of the design matrix when it was given as a DataFrame."""
    for sym, value in zip(args, data, strict=False):
        columns = getattr(value, "columns", None)
        if isinstance(sym, sp.MatrixSymbol) and sym.shape[1] != 1 and columns is not None:
            return tuple(str(c) for c in columns)
    return None


@dataclass(frozen=True)
class LeastSquaresFit:
    """A least-squares fit with standard errors (as statsmodels' OLS / WLS report them).

    Attributes
    ----------
    params : ndarray, shape (n,)
        The estimates.
    stderr : ndarray, shape (n,)
        Standard errors ``sqrt(diag(cov))``.
    cov : ndarray
        ``sigma2 * (A^T A)^{-1}`` from the QR factor ``R`` of the (whitened,
        column-scaled) matrix: ``(R^T R)^{-1} = R^{-1} R^{-T}`` by triangular
        solves. For ridge penalties this is
        ``sigma2 * (X^T X + lambda I)^{-1}``, the posterior covariance of the
        Bayesian reading.
    sigma2 : float
        Residual variance ``rss / df_resid`` over the data rows (penalty rows
        excluded); weighted residuals for weighted and generalised least squares.
    rss : float
        Residual sum of squares (whitened).
    df_resid : int
        Data rows minus ``rank``.
    rank : int
        Numerical rank; ``rank < n`` came with a :class:`RankDeficientWarning`
        and the minimum-norm solution.
    method : str
        ``"QR"`` (Householder with column pivoting) or ``"SVD"`` (rank deficient).
    names : tuple of str or None
        Column labels of the design matrix when it was a DataFrame.
    notes : tuple of str
        Why standard errors or covariances are NaN or inf (no residual
        degrees of freedom, an overflow), each also issued as a
        :class:`StandardErrorWarning`; empty when they are finite.
    """

    params: np.ndarray
    stderr: np.ndarray
    cov: np.ndarray
    sigma2: float
    rss: float
    df_resid: int
    rank: int
    method: str
    names: tuple[str, ...] | None = field(default=None)
    notes: tuple[str, ...] = ()

    @classmethod
    def _from_solution(
        cls, solution: Any, data_rows: np.ndarray, names: tuple[str, ...] | None
    ) -> LeastSquaresFit:
        x = solution.x
        resid = solution.residuals[data_rows]
        rss = np.sum(np.abs(resid) ** 2, axis=0)
        df = int(np.count_nonzero(data_rows)) - solution.rank
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma2 = rss / df if df > 0 else np.full_like(rss, np.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            cov = sigma2[0] * solution.unscaled_cov.real
            stderr = np.sqrt(sigma2[0]) * solution.unscaled_sd
        causes = []
        rows = int(np.count_nonzero(data_rows))
        if df <= 0:
            causes.append(
                f"no residual degrees of freedom ({rows} data rows, rank {solution.rank}): the "
                "data fit exactly, so sigma2, stderr and cov are NaN; add rows or remove columns"
            )
        elif not np.all(np.isfinite(cov)) and np.all(np.isfinite(stderr)):
            causes.append(overflow_note(solution.scale))
        notes = stderr_notes(stderr, cov, causes, stacklevel=3)  # the caller of fit
        return cls(
            x[:, 0],
            stderr,
            cov,
            float(sigma2[0]),
            float(rss[0]),
            df,
            solution.rank,
            solution.method,
            names,
            notes,
        )

    @property
    def tvalues(self) -> np.ndarray:
        """``params / stderr``."""
        return self.params / self.stderr

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """Confidence intervals ``params -/+ t_{1-alpha/2, df} * stderr``, shape ``(n, 2)``."""
        from scipy import stats

        if not 0 < alpha < 1:
            raise ArgumentError(bad_argument("alpha", alpha, "pass a level in (0, 1), e.g. 0.05"))
        half = stats.t.ppf(1 - alpha / 2, self.df_resid) * self.stderr
        return np.stack([self.params - half, self.params + half], axis=-1)


@renamed_keywords(loss="f")
def normal_equations(f: Any, wrt: Any, *, budget: float = DEFAULT_BUDGET) -> NormalEquations:
    r"""Solve ``gradient = 0`` for a loss quadratic in ``wrt``: the normal equations.

    Parameters
    ----------
    f : sympy matrix expression
        The loss, a scalar (1 x 1), quadratic in ``wrt`` with a positive
        semi-definite Hessian: ordinary ``(X*w - y).T*(X*w - y)``, ridge
        ``... + lam*w.T*w``, weighted ``(X*w - y).T*W*(X*w - y)``, generalised
        ``(X*w - y).T*Sigma**-1*(X*w - y)``, or
        ``(X*w - y).T*DiagMatrix(v)*(X*w - y)`` with a weight vector.
    wrt : MatrixSymbol
        The unknown, a column (n x 1).
    budget : float
        Seconds for the symbolic work (the matrix gradient), default
        ``symml.DEFAULT_BUDGET``; past it a :class:`~symml.BudgetExceededError`.

    Returns
    -------
    NormalEquations
        A Derivation: ``.result`` is ``Eq(wrt, solution)``, e.g.
        ``Eq(w, (X.T*X)**-1*X.T*y)``; the steps are the gradient (by the
        differential rules), setting it to zero, rearranging to
        ``H w = b`` and solving; ``.gradient`` and ``.hessian`` hold the
        derivatives; ``.assumptions`` lists what the solution needs
        (square matrices such as ``W`` are taken symmetric; coefficients
        ``>= 0``); ``.verify()`` checks numerically that the gradient vanishes
        at the solution; ``.to_numpy(args=[X, y])`` is a stable solver and
        ``.fit(X, y)`` adds standard errors.

    Raises
    ------
    NoClosedFormError
        The loss is not quadratic in ``wrt`` (e.g. the logistic loss; use
        :func:`fit_logistic`), or only linear.
    ArgumentError
        The Hessian is not of the form ``sum c*B.T*W*B`` with ``c >= 0``
        (not a convex quadratic), ``wrt`` is not a column MatrixSymbol, or
        ``f`` is not scalar.

    Examples
    --------
    >>> import numpy as np, sympy as sp, symml
    >>> n, m = sp.symbols("n m", integer=True, positive=True)
    >>> X, w = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1)
    >>> y, lam = sp.MatrixSymbol("y", m, 1), sp.Symbol("lambda", positive=True)
    >>> ridge = symml.normal_equations((X*w - y).T*(X*w - y) + lam*w.T*w, w)
    >>> ridge.result
    Eq(w, (lambda*I + X.T*X)**(-1)*X.T*y)
    >>> [s.why.split(":")[0] for s in ridge.steps[-3:]]
    ['set the gradient to zero', 'rearrange', 'solve']
    >>> ridge.default_args()
    [X, y, lambda]
    >>> solve = ridge.to_numpy()
    >>> solve(np.eye(3), np.array([2.0, 4.0, 6.0]), 1.0)     # (I + I)^{-1} y
    array([1., 2., 3.])
    >>> bool(ridge.verify())
    True

    How it works
    ------------
    1. **Gradient** by matrix calculus (:func:`symml.gradient`), square
       matrices other than ``wrt`` declared symmetric (``Q.symmetric``).
    2. **Rearrange**: the gradient is expanded into terms; each must be
       ``c * A * w`` or free of ``w`` (else :class:`~symml.NoClosedFormError`),
       so ``gradient = H w - b``. A common number (the 2 of a square) is
       divided out.
    3. **Check the Hessian**: every term of ``H`` must be ``c B^T W B`` with
       ``W`` nothing, ``I``, a symbol, ``Sigma**-1`` or ``DiagMatrix(v)`` and
       ``c >= 0`` (an assumption when SymPy cannot tell) -- a sum of PSD
       terms.
    4. **Solve**: ``w = H^{-1} b``, as a formula.
    5. **Numbers**: :func:`symml.to_numpy` recognises ``M**-1 * N`` with
       ``M = sum_k c_k B_k^T W_k B_k`` and ``N = sum_k B_k^T W_k t_k`` as the
       normal equations of the stacked problem
       ``min sum_k c_k ||S_k (B_k w - t_k / c_k)||^2`` (``S_k^T S_k = W_k``:
       ``sqrt(v)`` row scaling for ``DiagMatrix(v)``, a Cholesky factor for
       ``W`` and ``Sigma``), so ridge becomes the augmented system
       ``[X; sqrt(lambda) I] w ~ [y; 0]``. It solves that by Householder QR
       of the column-scaled matrix with pivoting -- ``X^T X`` (condition
       number squared) is never formed, nor any inverse. Other products
       ``M**-1 * N`` become ``numpy.linalg.solve(M, N)``.

    Rank deficiency (collinear columns) gives a
    :class:`~symml.RankDeficientWarning` carrying ``.rank`` and the
    minimum-norm solution of the column-scaled problem, from an SVD:

    >>> import warnings
    >>> ols = symml.normal_equations((X*w - y).T*(X*w - y), w)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     w_hat = ols.to_numpy()(np.array([[1.0, 1.0], [2.0, 2.0]]), np.array([2.0, 4.0]))
    >>> w_hat, caught[0].message.rank
    (array([1., 1.]), 1)
    """
    deadline = Deadline(budget)
    w = _as_column(wrt)
    expr = _as_loss(f, w)
    grad = derive("gradient", expr, w, deadline)
    linear, constant = _linear_split(grad.result, w, f)
    n = w.shape[0]
    k = _common_factor([c for c, _ in linear])
    h_terms = [(c / k, factors) for c, factors in linear]
    H = sp.MatAdd(*[c * (product(f) if f else sp.Identity(n)) for c, f in h_terms]).doit()
    rhs = sp.MatAdd(*[-t / k for t in constant]).doit() if constant else sp.ZeroMatrix(n, 1)
    hessian = (k * H).doit() if k != 1 else H
    assumptions = [
        *_psd_assumptions(hessian, h_terms, f),
        f"{H} invertible",
    ]
    solution = H**-1 * rhs
    result = sp.Eq(w, solution)
    half = f" and divide by {k}" if k != 1 else ""

    def steps() -> list[Step]:
        out = list(grad.steps) or [Step(grad.result, "gradient", lhs=r"\nabla_{w} L")]
        out.append(
            Step(
                sp.ZeroMatrix(n, 1),
                "set the gradient to zero: a minimum, the Hessian is PSD",
                lhs=grad.result,
            )
        )
        out.append(
            Step(
                rhs, f"rearrange: terms in {w} to the left, the rest to the right{half}", lhs=H * w
            )
        )
        out.append(Step(solution, f"solve: multiply on the left by ({H})^-1", lhs=w))
        return out

    return NormalEquations(
        result,
        steps,
        gradient=grad,
        hessian=hessian,
        assumptions=assumptions,
        kind="normal equations",
        source=expr,
        wrt=(w,),
        verifier=_verify_normal,
    )


def _sample_args(
    args: Sequence[Any], expr: sp.Basic, w: sp.MatrixSymbol, rng: np.random.Generator
) -> list[Any]:
    """Random data for ``args``: SPD square matrices, positive weights and scalars."""
    sizes: dict[sp.Basic, int] = {w.shape[0]: 3}
    positive = {v for d in expr.atoms(DiagMatrix) for v in d.args[0].atoms(sp.MatrixSymbol)}

    def size(d: Any) -> int:
        d = sp.sympify(d)
        return int(d) if d.is_Integer else sizes.setdefault(d, 9)

    values: list[Any] = []
    for a in args:
        if isinstance(a, sp.MatrixSymbol):
            r, c = size(a.shape[0]), size(a.shape[1])
            if a in positive:
                values.append(rng.uniform(0.5, 2.0, (r, c)))
            elif r == c and r != 1:
                A = rng.standard_normal((r, r))
                values.append(A @ A.T / r + np.eye(r))
            else:
                values.append(rng.standard_normal((r, c)))
        else:
            values.append(rng.uniform(0.5, 2.0))
    return values


def _verify_normal(
    d: NormalEquations, *, points: int = 3, seed: int = 0, rtol: float = 1e-8
) -> Verdict:
    """The gradient vanishes at the numeric solution, and the Hessian is PSD there."""
    (w,) = d.wrt
    args = d.default_args()
    solve = d.to_numpy(args)
    grad = to_numpy(d.gradient.result, [w, *args])
    hess = to_numpy(d.hessian, args)
    rng = np.random.default_rng(seed)
    for k in range(points):
        values = _sample_args(args, d.source, w, rng)
        w_hat = solve(*values)
        g, g0 = grad(w_hat, *values), grad(np.zeros_like(w_hat), *values)
        H = np.atleast_2d(hess(*values))
        scale = np.linalg.norm(g0) + np.linalg.norm(H, 2) * np.linalg.norm(w_hat)
        eig = np.linalg.eigvalsh((H + H.T) / 2)
        bad_grad = np.linalg.norm(g) > rtol * scale
        if bad_grad or eig[0] < -rtol * max(abs(eig[-1]), 1.0):
            point = dict(zip(args, values, strict=True))
            what = "the gradient" if bad_grad else "the smallest Hessian eigenvalue"
            value = np.linalg.norm(g) if bad_grad else eig[0]
            return Verdict(
                False,
                "numeric",
                claimed=d.result,
                counterexample=point,
                claimed_value=value,
                expected_value=0.0,
                notes=(f"{what} at the solution is {value:.3g} at sample {k}",),
                points=k + 1,
            )
    note = f"the gradient vanishes at the solution and the Hessian is PSD at {points} random data"
    return Verdict(True, "numeric", claimed=d.result, notes=(note,), points=points)
