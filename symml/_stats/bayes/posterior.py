"""The conjugate posterior derivation type, its steps and its numeric update."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from ..._core import ArgumentError, Derivation, ShapeError, Step, bad_argument
from ..data import (
    as_data,
    as_sample,
    check_finite,
    check_in_set,
    drop_masked,
    known_values,
    short_data,
)
from ..density import SampleForms, compile_numeric
from ..model import Model
from ..sample import numeric_support
from .families import DIRICHLET, Family, log_kernel


class _Spec(NamedTuple):
    """Everything ``update``, the steps and ``verify`` need, beyond the public attributes."""

    family: Family
    model: Model
    prior_density: sp.Expr
    hyper: tuple[sp.Symbol, ...]  # posterior hyperparameter symbols
    forms: SampleForms  # the posterior hyperparameters over the sample
    known: tuple[sp.Symbol, ...]  # constants and prior hyperparameters to be given values
    log_predictive: sp.Expr  # in ``new_observation``, ``hyper`` and constants
    log_f: sp.Expr  # log f(x_i | params) of one observation
    loglik: sp.Expr  # the log-likelihood, sums split
    theta_part: sp.Expr  # the terms of the log posterior that depend on the parameters
    integrand_family: str  # the family of f(new | params) p(params | data)


class Posterior(Derivation):
    """A conjugate posterior, derived; see :func:`conjugate_posterior`.

    Attributes
    ----------
    result : sympy.Expr
        The posterior density of the parameters, its hyperparameters written
        as closed forms over the sample ``x_1, ..., x_n``.
    family : str
        The recognised family: ``"Beta"``, ``"Gamma"``, ``"InverseGamma"``,
        ``"Normal"``, ``"NormalInverseGamma"`` or ``"Dirichlet"``.
    params : tuple of Symbol
        The parameters, in the family's order (mean before variance).
    prior_hyperparameters : dict
        The prior as a member of the family: ``{name: value}``.
    hyperparameters : dict
        ``{posterior hyperparameter symbol: closed form over the sample}``.
    density : sympy.Expr
        The posterior density in the posterior hyperparameter symbols.
    map_estimate : dict
        ``{parameter: mode}`` in the posterior hyperparameter symbols.
    predictive : sympy.Expr
        The posterior predictive density (or pmf) of a new observation
        :attr:`new_observation`, in the posterior hyperparameter symbols.
    new_observation : tuple of Symbol
    """

    __slots__ = (
        "_spec",
        "density",
        "family",
        "hyperparameters",
        "map_estimate",
        "new_observation",
        "params",
        "predictive",
        "prior_hyperparameters",
    )

    _spec: _Spec
    family: str
    params: tuple[sp.Symbol, ...]
    prior_hyperparameters: dict[str, sp.Expr]
    hyperparameters: dict[sp.Symbol, sp.Expr]
    density: sp.Expr
    map_estimate: dict[sp.Symbol, sp.Expr]
    predictive: sp.Expr
    new_observation: tuple[sp.Symbol, ...]

    def update(
        self, data: Any, values: Mapping[Any, Any] | None = None, **known: Any
    ) -> PosteriorFit:
        """The posterior after observing ``data``: numeric hyperparameters and more.

        Parameters
        ----------
        data : array-like, pandas Series, mapping or DataFrame
            The observations. For a vector observation (one-hot categories)
            either an ``(n, K)`` array or integer labels ``0, ..., K - 1``;
            for several variables (a response ``y`` and a covariate ``x``)
            an ``(n, K)`` array in the order of ``var`` or a mapping /
            DataFrame of columns named like the variables. Masked entries of
            NumPy masked arrays are missing values: their rows are dropped.
        values : mapping, optional
            Values of the prior hyperparameters and known constants, keyed by
            Symbol or name.
        **known
            The same, by name (``a=2.0, sigma=1.5``).

        Returns
        -------
        PosteriorFit

        Notes
        -----
        For normal likelihoods the sums :math:`\\sum x_i` and
        :math:`\\sum x_i^2` are replaced by :math:`n\\bar x` and
        :math:`S_{xx} + n\\bar x^2` (with :math:`S_{xx} = \\sum (x_i - \\bar x)^2`
        computed by a corrected two-pass algorithm) and each hyperparameter is
        evaluated in completed-square form, so data far from zero keep their
        digits.
        """
        spec = self._spec
        given = known_values(
            spec.known,
            {**(values or {}), **known},
            kind="prior hyperparameter or known constant",
            call="update(data, {})",
        )
        arr = _as_data(data, spec.model, given)
        hyper = self._hyperparameters(arr, given, data)
        family = spec.family
        if family is DIRICHLET:
            params_out: dict[str, Any] = {"alpha": np.array(hyper)}
        else:
            params_out = dict(zip(family.hyper(len(self.params)), hyper, strict=True))
        mode = {p.name: math.nan for p in self.params}
        if family.mode_exists(hyper):
            mode = {
                p.name: float(compile_numeric(self.map_estimate[p], spec.hyper, "mode")(*hyper))
                for p in self.params
            }
        consts = [given[s] for s in spec.model.constants]
        dist = family.scipy(hyper)
        self._check_possible(arr, dist, consts, data)
        logpdf = compile_numeric(
            family.logpdf(self.params, spec.hyper), [*self.params, *spec.hyper]
        )
        new_args = [*self.new_observation, *spec.hyper, *spec.model.constants]
        return PosteriorFit(
            family=family.name,
            params=params_out,
            nobs=arr.shape[0],
            map=mode,
            dist=dist,
            _logpdf=_bind_tail(logpdf, hyper),
            _logpred=_bind_tail(compile_numeric(spec.log_predictive, new_args), hyper + consts),
            _dims=(len(self.params), len(self.new_observation)),
        )

    def _hyperparameters(
        self, arr: np.ndarray, given: Mapping[sp.Symbol, float], data: Any
    ) -> list[float]:
        """The posterior hyperparameters on the data, checked to give a proper posterior."""
        spec = self._spec
        hyper = self._raw_hyperparameters(arr, given)
        for sym, value in zip(spec.hyper, hyper, strict=True):
            if not math.isfinite(value) or (sym.is_positive and value <= 0):
                raise ArgumentError(
                    bad_argument(
                        "data",
                        data,
                        f"the posterior is improper: {sym} = {value:g}; check "
                        "the prior's hyperparameters and the data",
                    )
                )
        return hyper

    def _raw_hyperparameters(
        self, arr: np.ndarray, given: Mapping[sp.Symbol, float]
    ) -> list[float]:
        """The posterior hyperparameters on the ``(n, K)`` data, unchecked."""
        spec = self._spec
        exprs, stat_syms, stat_values = spec.forms.inputs(arr, given)
        args = [*stat_syms, spec.forms.n, *spec.known]
        inputs = [*stat_values, arr.shape[0], *(given[s] for s in spec.known)]
        with np.errstate(all="ignore"):
            return [float(compile_numeric(e, args, "hyper")(*inputs)) for e in exprs]

    def _check_possible(self, arr: np.ndarray, dist: Any, consts: list[float], data: Any) -> None:
        """Refuse data that have probability 0 under the model (a density typed by hand
        knows no support beyond its variable's assumptions)."""
        spec = self._spec
        model = spec.model
        draw = dist.rvs(size=1, random_state=np.random.default_rng(0))
        parts = draw if isinstance(draw, tuple) else (draw,)
        theta = np.concatenate([np.ravel(np.asarray(q, dtype=float)) for q in parts])
        f = compile_numeric(model.logpdf, [*model.var, *self.params, *model.constants], "logf")
        with np.errstate(all="ignore"):
            values = f(*(arr[:, j] for j in range(arr.shape[1])), *theta, *consts)
        bad = np.flatnonzero(~np.isfinite(np.broadcast_to(values, arr.shape[:1])))
        if bad.size:
            shown = arr[bad[:5], 0] if arr.shape[1] == 1 else arr[bad[:5]]
            raise ArgumentError(
                bad_argument(
                    "data",
                    data,
                    f"values {shown.tolist()} at positions {bad[:5].tolist()} "
                    "have probability 0 under the model (outside its support)",
                )
            )

    def _make_steps(self) -> list[Step]:
        spec, family, order, hyper = self._spec, self._spec.family, self.params, self._spec.hyper
        theta_tex = ", ".join(sp.latex(p) for p in order)
        model = spec.model
        x_tex = sp.latex(model.var[0]) if len(model.var) == 1 else "x"
        c = sp.Symbol("C")
        label = family.label(list(self.prior_hyperparameters.values()))
        out = [
            Step(spec.prior_density, f"prior: {label}", lhs=rf"p({theta_tex})"),
            Step(
                sp.Sum(spec.log_f, (spec.forms.data[0].indices[0], 1, spec.forms.n)),
                "log-likelihood of an i.i.d. sample: a sum of logs",
                lhs=rf"\log p({x_tex} \mid {theta_tex})",
            ),
            Step(
                spec.loglik,
                "expand the logs and split the sum: the sums of data terms are the "
                "sufficient statistics",
            ),
            Step(
                spec.theta_part + c,
                "Bayes' rule: log posterior = log prior + log-likelihood + const; "
                "C collects the terms free of the parameters",
                lhs=rf"\log p({theta_tex} \mid {x_tex})",
            ),
            Step(
                log_kernel(family, order, hyper) + c,
                f"the log kernel of {family.label(hyper)}: the same terms in the parameters",
                lhs=rf"\log \mathrm{{{family.name}}}({theta_tex})",
            ),
            *(Step(e, "match the coefficients", lhs=h) for h, e in self.hyperparameters.items()),
            Step(
                self.result,
                f"posterior: {family.label(hyper)}",
                lhs=rf"p({theta_tex} \mid {x_tex})",
            ),
        ]
        return out + self._stable_steps() + self._map_and_predictive_steps(x_tex)

    def _stable_steps(self) -> list[Step]:
        forms = self._spec.forms
        if forms.stable is None:
            return []
        return [
            Step(
                st,
                "numerically stable form: sums in terms of the mean "
                "and the centred sum of squares, square completed",
                lhs=h,
            )
            for h, raw, st in zip(self._spec.hyper, forms.exprs, forms.stable, strict=True)
            if st != raw
        ]

    def _map_and_predictive_steps(self, x_tex: str) -> list[Step]:
        simplex = " (Lagrange multiplier for the simplex)" if self._spec.family is DIRICHLET else ""
        new_tex = ", ".join(sp.latex(v) for v in self.new_observation)
        return [
            *(
                Step(
                    m,
                    "MAP: set the gradient of the log posterior to zero" + simplex,
                    lhs=rf"\hat{{{sp.latex(p)}}}_{{\mathrm{{MAP}}}}",
                )
                for p, m in self.map_estimate.items()
            ),
            Step(
                self.predictive,
                "posterior predictive: the integrand f(new | params) "
                f"p(params | data) is the kernel of {self._spec.integrand_family}, so the "
                "integral is a ratio of normalising constants",
                lhs=rf"p({new_tex} \mid {x_tex})",
            ),
        ]


def _bind_tail(func: Callable, tail: Sequence[float]) -> Callable:
    """``lambda *head: func(*head, *tail)``."""
    tail = list(tail)
    return lambda *head: func(*head, *tail)


def _as_data(data: Any, model: Model, given: Mapping[sp.Symbol, float]) -> np.ndarray:
    """The observations as an ``(n, K)`` float array, checked against the support."""
    k = len(model.var)
    if k == 1:
        arr = as_sample(data, "data")
        support = numeric_support(model.domain, given)
        check_in_set(arr, support, "data", data)
        return arr[:, None]
    raw = _columns_by_name(data, model)
    if raw is None:
        raw = np.asarray(getattr(data, "to_numpy", lambda: drop_masked(data))())
    if raw.ndim == 1:
        labels = as_sample(raw, "data")
        if not np.all((labels == np.round(labels)) & (labels >= 0) & (labels < k)):
            raise ArgumentError(
                bad_argument("data", data, f"labels must be integers 0, ..., {k - 1}")
            )
        return np.eye(k)[labels.astype(int)]
    if raw.ndim != 2 or raw.shape[1] != k:
        raise ShapeError(
            bad_argument("data", data, f"expected labels or an array of shape (n, {k})")
        )
    arr = np.asarray(raw, dtype=float)
    if not np.isfinite(arr).all():
        raise ArgumentError(bad_argument("data", data, "it contains NaN or infinite values"))
    return arr


def _columns_by_name(data: Any, model: Model) -> np.ndarray | None:
    """A mapping (or DataFrame) of columns keyed by the variables' names, as ``(n, K)``."""
    names = [v.name for v in model.var]
    keys = list(data.keys()) if isinstance(data, Mapping) else None
    columns = getattr(data, "columns", None)
    if keys is None and columns is not None and not callable(columns):
        keys = [str(c) for c in columns]
    if keys is None:
        return None
    lookup = {str(k): k for k in keys}
    if sorted(lookup) != sorted(names):
        raise ArgumentError(
            bad_argument("data", short_data(data), f"pass one column per variable, named {names}")
        )
    given = [data[lookup[name]] for name in names]
    cols = [
        as_data(np.ma.getdata(c), name=f"data[{n!r}]") for c, n in zip(given, names, strict=True)
    ]
    if len({c.shape[0] for c in cols}) != 1:
        raise ShapeError(
            bad_argument("data", short_data(data), "the columns must have the same length")
        )
    keep = np.ones(cols[0].shape[0], dtype=bool)
    for c in given:  # a row with a masked value in any column is dropped
        if isinstance(c, np.ma.MaskedArray):
            keep &= ~np.ma.getmaskarray(c).reshape(-1)
    for c, n in zip(cols, names, strict=True):
        check_finite(data, c[keep], f"data[{n!r}]")
    return np.column_stack([c[keep] for c in cols])


@dataclass(frozen=True)
class PosteriorFit:
    """A posterior after observing data; see :meth:`Posterior.update`.

    Attributes
    ----------
    family : str
        The posterior's family.
    params : dict
        The posterior hyperparameters by name (``{"alpha": ..., "beta": ...}``;
        a Dirichlet gives ``{"alpha": array}``).
    nobs : int
        The number of observations.
    map : dict
        The MAP estimate per parameter name (nan where the posterior has no
        mode inside the parameter space, e.g. Beta(0.5, 3)).
    dist : scipy.stats frozen distribution
        The same posterior in SciPy (``mean()``, ``interval(0.95)``, ``rvs``).
    """

    family: str
    params: dict[str, Any]
    nobs: int
    map: dict[str, float]
    dist: Any = field(repr=False)
    _logpdf: Callable = field(repr=False, compare=False)
    _logpred: Callable = field(repr=False, compare=False)
    _dims: tuple[int, int] = field(repr=False, compare=False)

    def logpdf(self, *theta: Any) -> np.ndarray:
        """The log posterior density at the parameters (one array per parameter)."""
        if len(theta) != self._dims[0]:
            raise ArgumentError(
                bad_argument("theta", theta, f"pass {self._dims[0]} parameter value(s)")
            )
        return self._logpdf(*theta)

    def pdf(self, *theta: Any) -> np.ndarray:
        """The posterior density at the parameters (vectorised)."""
        return np.exp(self.logpdf(*theta))

    def predictive(self, *x: Any) -> np.ndarray:
        """The posterior predictive density or pmf at new observations (vectorised)."""
        if len(x) != self._dims[1]:
            raise ArgumentError(
                bad_argument("x", x, f"pass {self._dims[1]} value(s) per new observation")
            )
        return np.exp(self._logpred(*x))
