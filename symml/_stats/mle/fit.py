"""``MLE.fit``: estimates, standard errors and intervals for one data set."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..._codegen import to_numpy
from ..._core import ArgumentError, bad_argument
from ..._ml import StandardErrorWarning
from ..data import (
    _bound,
    _check_within,
    as_data,
    check_finite,
    check_support,
    known_values,
    offenders,
    short_data,
)
from ..model import Model, numeric_form
from .edge import check_numeric_estimate, edge_interval, find_edges, runaway_notes
from .fisher import _eval_fisher
from .root import _hessian_program, _numeric_root
from .sample import SampleMedian, _chunked, _Program
from .solve import _Solution
from .standardise import at_risk, standardised_fit
from .stream import dask_fill, is_dask

if TYPE_CHECKING:
    from .estimate import MLE


def _z(level: Any) -> float:
    from scipy.stats import norm

    if not isinstance(level, (int, float)) or isinstance(level, bool) or not 0 < level < 1:
        raise ArgumentError(bad_argument("level", level, "pass a probability, e.g. level=0.95"))
    return float(norm.ppf(0.5 + level / 2))


class MLEFit:
    """Maximum-likelihood estimates of one data set, with standard errors and intervals.

    Attributes
    ----------
    params : dict str -> float (or array)
        The estimates, keyed by parameter name.
    stderr : dict str -> float (or array)
        Standard errors: ``sqrt`` of the diagonal of the inverse information
        (``n`` times the Fisher information at the estimate by default, or the
        observed information ``-∇²ℓ``); exact ones for boundary estimators.
    cov : numpy.ndarray
        Asymptotic covariance of the regular (non-boundary) estimates, in the
        order of :attr:`cov_names`.
    cov_names : tuple of str
    n : int
        Sample size.
    method : str
        ``"closed form"`` or ``"numeric root of the score"``.
    information : str
        ``"expected"``, ``"observed"`` (see :meth:`MLE.fit`).
    converged : bool
        For numeric roots: whether the score vanished at the estimate.
    notes : tuple of str

    Examples
    --------
    >>> from symml import mle_catalog
    >>> fit = mle_catalog("exponential").fit([0.5, 1.5, 1.0, 2.0])
    >>> fit.params
    {'lambda': 0.8}
    >>> lo, hi = fit.conf_int(0.95)["lambda"]
    >>> round(lo, 4), round(hi, 4)
    (0.016, 1.584)
    """

    def __init__(
        self,
        params: dict[str, Any],
        stderr: dict[str, Any],
        cov: np.ndarray,
        cov_names: tuple[str, ...],
        n: int,
        method: str,
        information: str,
        *,
        converged: bool = True,
        notes: Sequence[str] = (),
        loglike: Callable[[], float] | None = None,
        intervals: Callable[[float], dict[str, tuple]] | None = None,
    ) -> None:
        self.params = params
        self.stderr = stderr
        self.cov = cov
        self.cov_names = cov_names
        self.n = n
        self.method = method
        self.information = information
        self.converged = converged
        self.notes = tuple(notes)
        self._loglike = loglike
        self._loglike_value: float | None = None
        self._intervals = intervals

    @property
    def loglike(self) -> float:
        """The log-likelihood at the estimate (computed on first access)."""
        if self._loglike_value is None:
            self._loglike_value = float(self._loglike()) if self._loglike else math.nan
        return self._loglike_value

    def conf_int(self, level: float = 0.95) -> dict[str, tuple[Any, Any]]:
        """Wald intervals ``estimate ± z·stderr`` keyed by parameter name.

        Boundary estimators (``max x_i`` of a ``Uniform(0, θ)``) get their
        exact interval instead; the Wald form does not apply to them.
        """
        z = _z(level)
        out: dict[str, tuple[Any, Any]] = {}
        for name, value in self.params.items():
            se = self.stderr[name]
            out[name] = (value - z * se, value + z * se)
        if self._intervals is not None:
            out.update(self._intervals(level))
        return out

    def __repr__(self) -> str:
        rows = [f"MLEFit(n={self.n}, {self.method}, {self.information} information)"]
        for name, value in self.params.items():
            rows.append(f"  {name}: {value!r} (stderr {self.stderr[name]!r})")
        return "\n".join(rows)


def _estimator_program(d: MLE) -> _Program:
    m: Model = d._model
    closed = d._solution.closed
    return d._cached(
        "estimators",
        lambda: _Program(
            sp.ImmutableMatrix([closed[p] for p in m.params]), d._sample, list(m.known)
        ),
    )


def _closed_form(d: MLE, data: Any, arr: np.ndarray, kargs: list[float]) -> np.ndarray:
    """The closed-form estimates on ``arr``; an error naming the data if one is not finite."""
    m: Model = d._model
    prog = _estimator_program(d)
    values = np.asarray(prog(arr, kargs), dtype=float).reshape(-1)
    if not np.all(np.isfinite(values)):
        if not is_dask(arr):  # Dask blocks were checked in the streaming pass
            check_finite(data, arr)
            _check_logpdf(d, data, arr)
        found = dict(zip((p.name for p in m.params), values.tolist(), strict=True))
        raise ArgumentError(
            bad_argument(
                "data",
                short_data(data),
                f"the maximum-likelihood estimate does not exist for these data ({found}); "
                "e.g. all values equal",
            )
        )
    return values


def _fit(d: MLE, data: Any, known: Mapping[Any, float] | None, information: str) -> MLEFit:
    m: Model = d._model
    if information not in ("expected", "observed"):
        raise ArgumentError(
            bad_argument("information", information, 'pass "expected" or "observed"')
        )
    if is_dask(data):
        return _fit_stream(d, data, known, information)
    arr = as_data(data)
    kv = known_values(m.known, known, argument="known")
    check_support(m, data, arr, kv)
    if not d._solution.closed:
        check_finite(data, arr)
    fit = None
    if at_risk(arr):  # overflow, underflow or cancellation: fit standardised data
        fit = standardised_fit(m, arr, lambda y: _fit_array(d, data, y, kv, information))
    if fit is None:
        fit = _fit_array(d, data, arr, kv, information)
    return _stderr_warning(d, arr, kv, fit)


def _stderr_warning(d: MLE, arr: np.ndarray, kv: dict[sp.Symbol, float], fit: MLEFit) -> MLEFit:
    """Notes (and a StandardErrorWarning) for standard errors that are NaN, inf or runaway.

    The same warning class and notes as the least-squares and logistic fits.
    """
    m: Model = d._model
    causes = [n for n in fit.notes if "standard errors are NaN" in n]
    causes += runaway_notes(d, arr, [kv[q] for q in m.known], fit.params, fit.stderr)
    bad = [k for k, v in fit.stderr.items() if not math.isfinite(v)]
    if bad and not causes:
        causes.append(
            f"the standard errors of {bad} are NaN or inf: the information at the estimate "
            "is not finite and invertible, so the data do not determine their uncertainty; "
            "use a likelihood-ratio (profile) interval or more data"
        )
    new = [c for c in causes if c not in fit.notes]
    if causes:
        warnings.warn(StandardErrorWarning("; ".join(causes)), stacklevel=5)
        fit.notes = (*fit.notes, *new)
    return fit


def _fit_array(
    d: MLE, data: Any, arr: np.ndarray, kv: dict[sp.Symbol, float], information: str
) -> MLEFit:
    """The fit on the checked array ``arr`` (``data`` is what errors show)."""
    m: Model = d._model
    sol: _Solution = d._solution
    params = m.params
    kargs = [kv[s] for s in m.known]
    notes: list[str] = []
    stats: dict[Any, float] = {}  # sufficient statistics of arr, computed once for all programs
    if sol.closed:
        values = _closed_form(d, data, arr, kargs)
        method, converged = "closed form", True
    else:
        _check_logpdf(d, data, arr)  # log f(x_i) must be finite somewhere for every x_i
        values, converged, fit_notes = _numeric_root(d, arr, kargs, stats)
        notes += fit_notes
        method = "numeric root of the score"
    theta = dict(zip(params, values.tolist(), strict=True))
    edges = find_edges(d, data, arr, theta, kargs, numeric=not sol.closed, stats=stats)
    theta.update(edges.values)
    values = np.array([theta[p] for p in params], dtype=float)
    _check_params(d, data, {p: v for p, v in theta.items() if p not in edges.values})
    if not sol.closed and not edges.values:
        check_numeric_estimate(d, data, arr, kargs, theta, stats)
    regular = [
        p
        for p in params
        if (p not in sol.special or p in _smooth_special(d)) and p not in edges.values
    ]
    cov, info_used, cov_notes = _covariance(d, arr, theta, kv, regular, information, stats)
    notes += edges.notes + cov_notes
    stderr: dict[str, Any] = {}
    for k, p in enumerate(regular):
        stderr[p.name] = float(math.sqrt(cov[k, k])) if cov[k, k] >= 0 else math.nan
    for p in params:
        if p in edges.values:
            stderr[p.name] = 0.0
        elif p.name not in stderr:
            stderr[p.name] = _boundary_stderr(d, p, theta, arr.shape[0])
    out_params = {p.name: float(theta[p]) for p in params}
    stderr = {p.name: stderr[p.name] for p in params}
    boundary = [p for p in params if p in m.boundary and p in sol.special]

    def loglike() -> float:
        if edges.loglike is not None:
            return edges.loglike
        prog = d._cached(
            "loglike",
            lambda: _Program(
                sp.Sum(d._sample.at(m.logpdf), (d._sample.i, 1, d._sample.n)),
                d._sample,
                [*params, *m.known],
            ),
        )
        return float(prog(arr, [*values.tolist(), *kargs]))

    def intervals(level: float) -> dict[str, tuple]:
        out = {p.name: _boundary_interval(d, p, theta, arr, level) for p in boundary}
        z = _z(level)
        out.update({p.name: edge_interval(m, p, v, arr, kv, z) for p, v in edges.values.items()})
        return out

    return MLEFit(
        out_params,
        stderr,
        cov,
        tuple(p.name for p in regular),
        int(arr.shape[0]),
        method,
        info_used,
        converged=converged,
        notes=notes,
        loglike=loglike,
        intervals=intervals if boundary or edges.values else None,
    )


def _smooth_special(d: MLE) -> set[sp.Symbol]:
    """Special (non-score) estimates that still have regular asymptotics (the median)."""
    return {p for p, (e, _) in d._solution.special.items() if isinstance(e, SampleMedian)}


def _check_params(d: MLE, data: Any, theta: dict[sp.Symbol, float]) -> None:
    m: Model = d._model
    bad = {}
    for p, v in theta.items():
        if (p.is_positive and not v > 0) or (p.is_nonnegative and not v >= 0):
            bad[p.name] = v
    if bad:
        raise ArgumentError(
            bad_argument(
                "data",
                short_data(data),
                f"the maximum-likelihood estimate {bad} is outside the parameter space of "
                f"{m.label}; the data do not determine the parameters (e.g. all values equal "
                "or all zero)",
            )
        )


def _data_terms(d: MLE) -> list[tuple[sp.Expr, Callable]]:
    """The terms of log f that involve the data only, compiled: ``[(g, g(x)), ...]`` (once)."""
    m: Model = d._model

    def build() -> list[tuple[sp.Expr, Callable]]:
        out: dict[sp.Expr, Callable] = {}  # each term once (k log x - log x: log x twice)
        for term in sp.Add.make_args(m.logpdf):
            _c, g = term.as_independent(m.xs, as_Add=False)
            if g.has(m.xs) and not g.free_symbols - {m.xs} and g not in out:
                out[g] = to_numpy(numeric_form(g), [m.xs])
        return list(out.items())

    return d._cached("data terms", build)


def _check_logpdf(d: MLE, data: Any, arr: np.ndarray) -> None:
    """Name observations where a data-only term of log f is not finite (log 0, ...)."""
    m: Model = d._model
    for g, f in _data_terms(d):
        with np.errstate(all="ignore"):
            if math.isfinite(_chunked(f, arr, "sum", ())):
                continue  # a sum is finite only if every term is: no full-length temporaries
            vals = np.broadcast_to(np.asarray(f(arr), dtype=float), arr.shape)
        bad = ~np.isfinite(vals)
        if bad.any():
            raise offenders(
                data,
                arr,
                bad,
                f"outside the support ({sp.sstr(g)} is not finite there)",
                f"observations of {m.label} must be {m.support.text()}",
            )


def _covariance(
    d: MLE,
    arr: np.ndarray,
    theta: dict[sp.Symbol, float],
    kv: dict[sp.Symbol, float],
    regular: list[sp.Symbol],
    information: str,
    stats: dict[Any, float],
) -> tuple[np.ndarray, str, list[str]]:
    m: Model = d._model
    k = len(regular)
    notes: list[str] = []
    if k == 0:
        return np.zeros((0, 0)), "exact (boundary estimate)", notes
    n = arr.shape[0]
    used = information
    info = None
    if information == "expected":
        fisher = d.fisher_information
        if fisher is None:
            used = "observed"
            notes.append("no Fisher information for this model: observed information used")
        else:
            idx = tuple(m.params.index(p) for p in regular)
            sub = d._cached(
                ("fisher_sub", idx), lambda: sp.ImmutableMatrix(fisher.extract(idx, idx))
            )
            with np.errstate(all="ignore"):  # an infinite information: NaN stderr, noted
                info = n * _eval_fisher(d, sub, theta, kv)
    if info is None:
        H = _hessian_program(d)
        argv = [theta[p] for p in m.params] + [kv[q] for q in m.known]
        full = np.asarray(H(arr, argv, H.prepare(arr, stats)), dtype=float).reshape(
            len(m.params), len(m.params)
        )
        idx = [m.params.index(p) for p in regular]
        info = -full[np.ix_(idx, idx)]
    try:
        with np.errstate(all="ignore"):
            cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        notes.append("the information matrix is singular: standard errors are NaN")
        cov = np.full((k, k), np.nan)
    return cov, used, notes


def _boundary_stderr(d: MLE, p: sp.Symbol, theta: dict[sp.Symbol, float], n: int) -> float:
    m: Model = d._model
    side = m.boundary.get(p)
    fam = m.family.name if m.family else ""
    if fam == "Uniform" and side is not None:
        # max (or min) of n uniforms: sd = width * sqrt(n / ((n + 1)^2 (n + 2)))
        lo, hi = (_arg_value(a, theta) for a in m.args)
        width = hi - lo
        return float(width * math.sqrt(n / ((n + 1) ** 2 * (n + 2))))
    if fam == "Pareto" and side == "lower":
        scale, alpha = (_arg_value(a, theta) for a in m.args)
        a = n * alpha  # min of n Pareto(scale, alpha) is Pareto(scale, n alpha)
        if a > 2:
            return float(scale * math.sqrt(a / ((a - 1) ** 2 * (a - 2))))
    return math.nan


def _arg_value(a: sp.Expr, theta: dict[sp.Symbol, float]) -> float:
    return float(a.xreplace({s: sp.Float(v) for s, v in theta.items()}))


def _boundary_interval(
    d: MLE, p: sp.Symbol, theta: dict[sp.Symbol, float], arr: np.ndarray, level: float
) -> tuple[float, float]:
    """Exact interval of a Uniform(0, θ) bound from the distribution of the sample max."""
    m: Model = d._model
    n = arr.shape[0]
    est = theta[p]
    fam = m.family.name if m.family else ""
    if fam == "Uniform" and m.boundary.get(p) == "upper":
        lo = _arg_value(m.args[0], theta)
        # P(max - lo <= t (θ - lo)) = t^n: θ in [max, lo + (max - lo) / (1 - level)^(1/n)]
        return (est, lo + (est - lo) / (1 - level) ** (1 / n))
    if fam == "Uniform" and m.boundary.get(p) == "lower":
        hi = _arg_value(m.args[1], theta)
        return (hi - (hi - est) / (1 - level) ** (1 / n), est)
    if fam == "Pareto" and m.boundary.get(p) == "lower":
        alpha = _arg_value(m.args[1], theta)
        # P(min >= c scale) = c^(-n alpha): scale in [min (1 - level)^(1/(n alpha)), min]
        return (est * (1 - level) ** (1 / (n * alpha)), est)
    return (math.nan, math.nan)


class _BlockCheck:
    """Whether a block holds NaN, values outside the support or where log f is not finite.

    Picklable (no Derivation inside), so ``dask.distributed`` workers can run it;
    the caller names the offenders from the flagged block.
    """

    def __init__(self, d: MLE, kv: dict[sp.Symbol, float]) -> None:
        m: Model = d._model
        self.support = m.support
        self.ends = (_bound(m.support.lo, kv, m), _bound(m.support.hi, kv, m))
        self.terms = [f for _g, f in _data_terms(d)]

    def __call__(self, block: np.ndarray) -> float:
        try:
            _check_within(self.support, *self.ends, block, block, "", "data")
            check_finite(block, block)
        except ArgumentError:
            return 1.0
        with np.errstate(all="ignore"):
            for f in self.terms:
                if not np.all(np.isfinite(np.asarray(f(block), dtype=float))):
                    return 1.0
        return 0.0


def _absmax(block: np.ndarray) -> float:
    return float(np.max(np.abs(block))) if block.size else 0.0


def _stream_refusal(data: Any, why: str) -> ArgumentError:
    return ArgumentError(bad_argument("data", f"<dask Array of shape {data.shape}>", why))


def _fit_stream(d: MLE, data: Any, known: Mapping[Any, float] | None, information: str) -> MLEFit:
    """``MLE.fit`` on a 1-D Dask array: sufficient statistics streamed (module ``stream``).

    One pass checks every block (support, NaN, log-density) and computes the
    closed-form estimators' sums; a model without a closed form is refused
    (its numeric search would need a pass over the data per iteration).
    """
    m: Model = d._model
    if information not in ("expected", "observed"):
        raise ArgumentError(
            bad_argument("information", information, 'pass "expected" or "observed"')
        )
    if data.ndim != 1 or any(isinstance(c, float) and math.isnan(c) for c in data.shape):
        raise _stream_refusal(
            data, "pass a 1-D Dask array of known length (x.compute_chunk_sizes())"
        )
    if data.dtype.kind not in "biuf":
        raise _stream_refusal(data, f"dtype {data.dtype} is not real numbers; pass floats")
    if data.shape[0] == 0:
        raise _stream_refusal(data, "it is empty; pass observations")
    if not d._solution.closed:
        raise _stream_refusal(
            data,
            f"{m.label} has no closed-form estimator over finite sufficient statistics, so a "
            "fit would read the data once per iteration of a numeric search; symml does not "
            "stream that: pass a NumPy array (data.compute()) or a sample of it",
        )
    arr = data.astype(float) if data.dtype.kind != "f" else data
    kv = known_values(m.known, known, argument="known")

    found: list[np.ndarray] = []
    checks = [("check", _BlockCheck(d, kv)), ("check", _absmax)]
    dask_fill(_estimator_program(d), arr, [kv[q] for q in m.known], {}, extra=checks, found=found)
    bad = np.flatnonzero(found[0])
    if bad.size:
        i = int(bad[0])
        start = int(sum(arr.chunks[0][:i]))
        block = np.asarray(arr.blocks[i].compute())  # one block, to name the offenders
        try:
            check_support(m, block, block, kv)
            check_finite(block, block)
            _check_logpdf(d, block, block)
        except ArgumentError as exc:
            raise type(exc)(f"in block {i} of the Dask array (rows from {start}): {exc}") from None
    big = float(np.max(found[1]))
    if big > 1e150 or 0 < big < 1e-150:
        raise _stream_refusal(
            data,
            f"values reach {big:.3g}: sums of them over- or underflow; divide the data by a "
            "scale first (estimates scale back) or fit a NumPy array",
        )
    fit = _fit_array(d, data, arr, kv, information)
    return _stderr_warning(d, arr, kv, fit)
