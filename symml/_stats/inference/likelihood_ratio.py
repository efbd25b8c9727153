"""Wilks' likelihood-ratio test of a point null hypothesis, with its profile interval."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from ..._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    NoClosedFormError,
    Step,
    Verdict,
    bad_argument,
)
from ..data import as_sample, check_in_set, known_values
from ..density import SampleForms, fresh_symbol, split_sum
from ..mle import MLE, mle
from ..model import Model, as_model
from ..sample import (
    check_alternative,
    check_level,
    check_number,
    draw_from_support,
    draw_values,
    numeric_support,
)
from .base import HypothesisTest, ci_label, inversion_failure, tails_failure
from .result import ConfidenceInterval, TestResult

_LAMBDA = sp.Symbol("Lambda", nonnegative=True)
_K = sp.Symbol("k", positive=True, integer=True)
_CHI_TAIL = "P(chi^2_k >= Lambda): the regularised upper incomplete gamma function"
_PROFILE_ENDS = (sp.Symbol(r"\theta_{L}"), sp.Symbol(r"\theta_{U}"))


class _Statistics:
    """Sums over the sample replaced by placeholders (sufficient statistics), one per sum."""

    def __init__(self, x: sp.Indexed, n: sp.Symbol) -> None:
        self.x, self.i, self.n = x, x.indices[0], n
        self.holders: dict[sp.Sum, sp.Dummy] = {}

    def _holder(self, total: sp.Sum) -> sp.Dummy:
        if total not in self.holders:
            nonneg = bool(total.function.is_nonnegative)
            self.holders[total] = sp.Dummy(f"S{len(self.holders)}", real=True, nonnegative=nonneg)
        return self.holders[total]

    def __call__(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every sum (nested ones first) split into placeholders."""

        def split(total: sp.Sum) -> sp.Expr:
            ((j, _, _),) = total.limits
            parts = split_sum(total.function.xreplace({j: self.i}), [self.x], self.i, self.n)
            return parts.xreplace({t: self._holder(t) for t in parts.atoms(sp.Sum)})

        return expr.replace(lambda e: isinstance(e, sp.Sum), split)

    @property
    def sums(self) -> dict[sp.Dummy, sp.Sum]:
        return {h: t for t, h in self.holders.items()}


def _no_closed_form(what: str, why: str) -> NoClosedFormError:
    return NoClosedFormError(
        f"no closed-form maximum-likelihood estimate {what} ({why}); the likelihood-ratio "
        "test needs closed forms under both hypotheses"
    )


def _closed_form_mle(
    density: sp.Expr, var: sp.Symbol, params: Sequence[sp.Symbol], what: str, deadline: Deadline
) -> MLE:
    """:func:`symml.mle` of ``params`` within ``deadline``; an error unless all are closed forms."""
    est = mle(density, list(params), var=var, budget=max(deadline.left(), 1e-6))
    if any(p not in est.estimators for p in params):
        why = f"not solved within {deadline.seconds:g} s" if deadline.expired else "none found"
        raise _no_closed_form(what, why)
    return est


def _shortest(expr: sp.Expr, deadline: Deadline) -> sp.Expr:
    """The shortest of a few tidy forms of ``expr`` (each at most 3 s of the deadline)."""
    candidates = [expr]
    for tidy in (
        lambda e: sp.expand(sp.expand_log(e, force=True)),
        lambda e: sp.factor_terms(sp.expand(sp.expand_log(e, force=True))),
    ):
        out, done = deadline.run(lambda t=tidy: t(expr), 3.0)
        if done and out is not None:
            candidates.append(out)
    return min(candidates, key=sp.count_ops)


class _Spec(NamedTuple):
    """What ``evaluate``, the steps and the verifier need beyond the public fields."""

    model: Model
    forms: SampleForms  # the MLEs, then the MLEs under H0, over the sample
    log_f: sp.Expr  # log f(x_i) of one observation
    loglik: sp.Expr  # the log-likelihood, sums split


class LikelihoodRatioTest(HypothesisTest):
    """Wilks' likelihood-ratio test; see :func:`likelihood_ratio_test`.

    Attributes
    ----------
    estimates : dict
        ``{parameter: MLE}`` as closed forms over the sample.
    null_estimates : dict
        ``{parameter: MLE under H0}``: the tested parameters at their null
        values (``theta_0``), the others maximised.
    null_values : dict
        ``{tested parameter: symbol for its null value}``.
    """

    __slots__ = ("_spec", "estimates", "null_estimates", "null_values")

    _spec: _Spec
    estimates: dict[sp.Symbol, sp.Expr]
    null_estimates: dict[sp.Symbol, sp.Expr]
    null_values: dict[sp.Symbol, sp.Symbol]

    def _estimators(self, given: Mapping[sp.Symbol, float], arr: np.ndarray):
        """``(theta_hat, theta_tilde(null))``: numeric MLEs from the closed forms."""
        model, forms = self._spec.model, self._spec.forms
        exprs, stat_syms, stat_values = forms.inputs(arr[:, None], given)
        known = [given[c] for c in model.constants]
        args = [*stat_syms, forms.n, *model.constants]
        inputs = [*stat_values, arr.size, *known]
        nulls = list(self.null_values.values())
        k = len(model.params)
        hat = {
            p: float(self._compiled(f"hat_{p.name}", e, args)(*inputs))
            for p, e in zip(model.params, exprs[:k], strict=True)
        }

        def tilde(null: Sequence[float]) -> dict[sp.Symbol, float]:
            return {
                p: float(self._compiled(f"tilde_{p.name}", e, [*args, *nulls])(*inputs, *null))
                for p, e in zip(model.params, exprs[k:], strict=True)
            }

        return hat, tilde

    def _loglik(self, given, arr: np.ndarray) -> Callable[[Mapping[sp.Symbol, float]], np.ndarray]:
        """Per-observation log densities at given parameter values."""
        model = self._spec.model
        f = self._compiled("logf", model.logpdf, [model.var[0], *model.params, *model.constants])
        known = [given[c] for c in model.constants]
        return lambda theta: np.broadcast_to(
            f(arr, *(theta[p] for p in model.params), *known), arr.shape
        )

    def evaluate(
        self,
        data: Any,
        null: Any,
        *,
        level: float = 0.95,
        alternative: str = "two-sided",
        values: Mapping[Any, Any] | None = None,
        **known: Any,
    ) -> TestResult:
        r"""Test ``H0: tested parameters = null`` on ``data``.

        Parameters
        ----------
        data : array-like or pandas Series
            The i.i.d. sample (at least 2 values), in the model's support.
        null : number or mapping
            The null value (a number when one parameter is tested), or
            ``{parameter or name: value}``.
        level : float
            Confidence level of the profile-likelihood interval, in (0, 1)
            (for one tested parameter; otherwise the interval is nan).
        alternative : {"two-sided"}
            The likelihood-ratio test is two-sided.
        values : mapping, optional
            Values of known constants of the model, by Symbol or name.
        **known
            The same, by name.

        Notes
        -----
        :math:`\Lambda` is evaluated as :math:`2\sum_i [\log f(x_i;
        \hat\theta) - \log f(x_i; \tilde\theta)]`, one difference per
        observation, with the estimates computed from the closed forms
        (normal samples through the mean and the centred sum of squares).
        The interval is :math:`\{\theta_0 : \Lambda(\theta_0) \le
        \chi^2_{1, \mathrm{level}}\}`, found by Brent's method.
        """
        if check_alternative(alternative) != "two-sided":
            raise ArgumentError(
                bad_argument(
                    "alternative",
                    alternative,
                    "the likelihood-ratio test is two-sided; use alternative='two-sided'",
                )
            )
        level = check_level(level)
        model = self._spec.model
        tested = list(self.null_values)
        null_vec = _null_vector(null, tested)
        given = known_values(
            model.constants,
            {**(values or {}), **known},
            kind="known constant",
            call="evaluate(data, null, {})",
        )
        arr = as_sample(data, "data", min_size=2)
        check_in_set(arr, numeric_support(model.domain, given), "data", data)
        statistic, hat = self._statistic(given, arr, data)
        k = len(tested)
        estimate = hat[tested[0]] if k == 1 else math.nan

        def interval(lev: float) -> ConfidenceInterval:
            if k != 1:
                return ConfidenceInterval(math.nan, math.nan)
            from scipy import stats

            crit = float(stats.chi2.ppf(lev, 1))
            ends = [
                _profile_end(lambda v: statistic([v]) - crit, estimate, side, tested[0])
                for side in (-1, +1)
            ]
            return ConfidenceInterval(*ends)

        return self._result(
            statistic(null_vec),
            df=k,
            alternative="two-sided",
            level=level,
            interval=interval,
            estimate=estimate,
            stderr=math.nan,
            null_value=null_vec[0] if k == 1 else math.nan,
            nobs=arr.size,
            method="likelihood-ratio test",
        )

    def _statistic(
        self, given: Mapping[sp.Symbol, float], arr: np.ndarray, data: Any
    ) -> tuple[Callable[[Sequence[float]], float], dict[sp.Symbol, float]]:
        """``(null values -> Lambda, the MLE)``: Lambda summed one observation at a time."""
        hat, tilde = self._estimators(given, arr)
        logf = self._loglik(given, arr)
        with np.errstate(divide="ignore", invalid="ignore"):
            at_hat = logf(hat)
            if not np.all(np.isfinite(at_hat)):  # p = 0 of all-zero data: 0 * log 0
                at_hat = logf(_inside(hat))
        if not np.all(np.isfinite(at_hat)):
            raise ArgumentError(
                bad_argument(
                    "data",
                    data,
                    "the log-likelihood at the MLE "
                    f"{ {p.name: v for p, v in hat.items()} } is not finite (an "
                    "estimate on the boundary of the parameter space)",
                )
            )

        def statistic(null_values: Sequence[float]) -> float:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                at_null = logf(tilde(null_values))
                if not np.all(np.isfinite(at_null)):  # a null value on an endpoint
                    at_null = logf(_inside(tilde(null_values)))
                diff = at_hat - at_null
            value = 2.0 * float(np.sum(diff))
            return max(value, 0.0) if math.isfinite(value) else math.inf

        return statistic, hat

    def _make_steps(self) -> list[Step]:
        spec, m = self._spec, self._spec.model
        theta = ", ".join(sp.latex(p) for p in m.params)
        out = [
            Step(
                sp.Sum(spec.log_f, (spec.forms.data[0].indices[0], 1, spec.forms.n)),
                "log-likelihood of an i.i.d. sample: a sum of logs",
                lhs=rf"\ell({theta})",
            ),
            Step(spec.loglik, "expand the logs and split the sum (sufficient statistics)"),
        ]
        out += [
            Step(e, "MLE: solve the score equations", lhs=rf"\hat{{{sp.latex(p)}}}")
            for p, e in self.estimates.items()
        ]
        out += [
            Step(
                e,
                "MLE under H0: the tested parameters fixed at their null values",
                lhs=rf"\tilde{{{sp.latex(p)}}}",
            )
            for p, e in self.null_estimates.items()
            if p not in self.null_values
        ]
        k = len(self.null_values)
        out += [
            Step(
                self.result,
                "Lambda = -2 log(L(theta_tilde)/L(theta_hat)) = 2 (ell(theta_hat) - "
                "ell(theta_tilde))",
                lhs=r"\Lambda",
            ),
            Step(
                _LAMBDA ** (_K / 2 - 1) * sp.exp(-_LAMBDA / 2) / (2 ** (_K / 2) * sp.gamma(_K / 2)),
                f"under H0, Lambda -> chi^2(k) with k = {k} tested parameter(s) (Wilks)",
                lhs=r"f_{\Lambda}(\lambda)",
            ),
            Step(_chi_tail(_K), _CHI_TAIL, lhs=r"p"),
        ]
        if k == 1:
            ((param, p0),) = self.null_values.items()
            out.append(
                Step(
                    sp.Interval(*_PROFILE_ENDS),
                    f"invert the test: the {p0} with Lambda({p0}) <= chi^2_(1, level), "
                    "the profile-likelihood interval (ends by root finding)",
                    lhs=ci_label(sp.latex(param), "two-sided"),
                )
            )
        return out


def _chi_tail(k: sp.Expr) -> sp.Expr:
    return sp.uppergamma(k / 2, _LAMBDA / 2) / sp.gamma(k / 2)


def _null_vector(null: Any, tested: Sequence[sp.Symbol]) -> list[float]:
    if isinstance(null, Mapping):
        by_name = {(k.name if isinstance(k, sp.Symbol) else str(k)): v for k, v in null.items()}
        missing = [p.name for p in tested if p.name not in by_name]
        extra = sorted(set(by_name) - {p.name for p in tested})
        if missing or extra:
            raise ArgumentError(
                bad_argument(
                    "null",
                    dict(null),
                    f"give exactly the tested parameters {[p.name for p in tested]}",
                )
            )
        values = [by_name[p.name] for p in tested]
    elif len(tested) == 1:
        values = [null]
    else:
        raise ArgumentError(
            bad_argument("null", null, f"give a dict of values for {[p.name for p in tested]}")
        )
    out = []
    for p, v in zip(tested, values, strict=True):
        number = check_number(v, "null")
        if p.is_positive and number <= 0:
            raise ArgumentError(bad_argument("null", v, f"{p.name} is positive; pass a value > 0"))
        out.append(number)
    return out


def _inside(hat: Mapping[sp.Symbol, float]) -> dict[sp.Symbol, float]:
    """An estimate on an endpoint (``0``, ``1``) moved inside by a negligible amount.

    The log-likelihood of Bernoulli data that are all 0 is ``n log(1 - p)``,
    ``0`` at ``p = 0`` as a limit, but ``0 * log 0`` is NaN in floating point:
    at ``p = 1e-300`` it is ``0`` to the last digit.
    """
    out = dict(hat)
    for p, v in hat.items():
        if v == 0 and (p.is_positive or p.is_nonnegative):
            out[p] = 1e-300
        elif v == 1:
            out[p] = 1 - 2**-53
    return out


def _profile_end(
    g: Callable[[float], float], start: float, direction: int, param: sp.Symbol
) -> float:
    """The root of ``g`` beyond ``start`` in ``direction`` (``g(start) < 0``), by Brent.

    ``g`` is ``inf`` outside the parameter space; an interval that reaches
    the edge of the space ends there.
    """
    from scipy.optimize import brentq

    positive = bool(param.is_positive)
    if positive and start == 0:  # an estimate on the endpoint 0 (all-zero counts)
        if direction < 0:
            return 0.0
        start = 1e-300 if g(1e-300) <= 0 else start
    inside, outside = start, None
    for j in range(200):
        if positive and start == 1e-300:
            trial = 1e-12 * 2.0 ** (j + 1)
        elif positive:
            trial = start * 2.0 ** (direction * (j + 1) / 4)
        else:
            trial = start + direction * max(abs(start), 1.0) * 0.05 * 2.0**j
        if g(trial) > 0:
            outside = trial
            break
        inside = trial
    if outside is None:
        return 0.0 if positive and direction < 0 else direction * math.inf
    if not math.isfinite(g(outside)):
        lo, hi = inside, outside  # locate the edge of the parameter space
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if math.isfinite(g(mid)):
                lo = mid
            else:
                hi = mid
        if g(lo) <= 0:
            return lo
        outside = lo
    return float(brentq(g, inside, outside, xtol=1e-14, rtol=4 * np.finfo(float).eps))


def _tested_parameters(m: Model, tested: Any) -> list[sp.Symbol]:
    if tested is None:
        return list(m.params)
    chosen = list(tested) if isinstance(tested, (list, tuple)) else [tested]
    for p in chosen:
        if p not in m.params:
            raise ArgumentError(
                bad_argument("tested", tested, f"{p} is not one of the parameters {list(m.params)}")
            )
    return chosen


def likelihood_ratio_test(
    model: Any,
    tested: Any = None,
    *,
    params: Any = None,
    var: Any = None,
    budget: float = DEFAULT_BUDGET,
) -> LikelihoodRatioTest:
    r"""Wilks' likelihood-ratio test of a point null hypothesis.

    :math:`\Lambda = 2[\ell(\hat\theta) - \ell(\tilde\theta)]`, where
    :math:`\hat\theta` maximises the log-likelihood and :math:`\tilde\theta`
    maximises it with the tested parameters fixed at their null values.
    Under :math:`H_0`, :math:`\Lambda \to \chi^2_k` (Wilks), with ``k`` the
    number of tested parameters. Both sets of maximum-likelihood estimates
    are derived in closed form by :func:`symml.mle` (under :math:`H_0` on the
    density with the tested parameters fixed), then written in the
    sufficient statistics.

    Parameters
    ----------
    model : sympy.stats random variable or sympy.Expr
        The distribution of one observation, or its density in ``var``.
    tested : Symbol or list of Symbols, optional
        The parameters fixed under :math:`H_0` (default: all of ``params``).
    params : Symbol or list of Symbols, optional
        The parameters (default: every free symbol of the density except
        ``var`` and those in the support); the others are known constants
        given to ``evaluate``.
    var : Symbol, optional
        The variable of a density expression.
    budget : float
        Seconds of symbolic work allowed (both ``mle`` derivations, tidying).

    Returns
    -------
    LikelihoodRatioTest
        ``result`` is :math:`\Lambda` over the sample; ``estimates`` and
        ``null_estimates`` hold the MLEs; ``evaluate(data, null)`` gives the
        statistic, the chi-square p-value and the profile-likelihood interval.

    Raises
    ------
    NoClosedFormError
        A maximum-likelihood estimate has no closed form (or none was found
        within ``budget`` seconds).

    Examples
    --------
    >>> import sympy as sp, sympy.stats as ss, symml
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> lrt = symml.likelihood_ratio_test(ss.Poisson("X", lam))
    >>> lrt.estimates
    {lambda: Sum(x[i], (i, 1, n))/n}
    >>> res = lrt.evaluate([3, 5, 2, 6, 4, 7, 5], null=3.0)
    >>> print(f"Lambda = {res.statistic:.4f}, p = {res.pvalue:.4f}, df = {res.df:g}")
    Lambda = 4.9577, p = 0.0260, df = 1
    >>> [round(v, 3) for v in res.ci]                 # profile-likelihood interval
    [3.165, 6.343]
    """
    deadline = Deadline(budget)
    m = as_model(model, params, var)
    if len(m.var) != 1:
        raise ArgumentError(bad_argument("var", var, "the test takes scalar observations"))
    chosen = _tested_parameters(m, tested)
    what = "of " + ", ".join(p.name for p in m.params)
    full = _closed_form_mle(m.density, m.var[0], m.params, what, deadline)
    x, n = full.x[full.i], full.n
    taken = {s.name for s in m.density.free_symbols | m.domain.free_symbols | {n, full.i}}
    nulls = {p: fresh_symbol(f"{p.name}_0", taken, **p.assumptions0) for p in chosen}
    nuisance = [p for p in m.params if p not in nulls]
    estimates = dict(full.estimators)
    null_estimates: dict[sp.Symbol, sp.Expr] = dict(nulls)
    if nuisance:
        null = _closed_form_mle(m.density.xreplace(nulls), m.var[0], nuisance, "under H0", deadline)
        rename = {null.x: full.x, null.i: full.i, null.n: n}
        null_estimates.update({p: e.xreplace(rename) for p, e in null.estimators.items()})
    stats = _Statistics(x, n)
    ell = stats(full.log_likelihood)
    hat = {p: stats(e) for p, e in estimates.items()}
    tilde = {p: stats(e) for p, e in null_estimates.items()}
    if any(e.has(full.x) for e in (*hat.values(), *tilde.values())):
        raise _no_closed_form(what, "a boundary estimate, not a root of the score")
    stat = _shortest(2 * (ell.xreplace(hat) - ell.xreplace(tilde)), deadline).xreplace(stats.sums)
    exprs = [hat[p] for p in m.params] + [tilde[p] for p in m.params]
    used = {h: t for h, t in stats.sums.items() if any(e.has(h) for e in exprs)}
    forms = SampleForms.build(exprs, used, [x], m.var, n, taken)
    log_f = full.log_density.xreplace({full.variable: x})
    k = len(chosen)
    return LikelihoodRatioTest(
        stat,
        None,
        null_distribution=_chi_squared(k),
        pvalue={"two-sided": _chi_tail(sp.Integer(k))},
        interval={"two-sided": sp.Interval(*_PROFILE_ENDS)},
        statistic_symbol=_LAMBDA,
        estimates=estimates,
        null_estimates={p: null_estimates[p] for p in m.params},
        null_values=nulls,
        _spec=_Spec(model=m, forms=forms, log_f=log_f, loglik=full.log_likelihood),
        kind="likelihood-ratio test",
        assumptions=(
            f"{m.var[0].name}_1, ..., {m.var[0].name}_n i.i.d.; H0 fixes "
            + ", ".join(p.name for p in chosen),
        ),
        verifier=lr_verdict,
    )


def _chi_squared(k: int) -> Any:
    import sympy.stats as ss  # only for the null distribution: slow to import

    return ss.ChiSquared("Lambda", k)


def _seeded_sample(
    d: LikelihoodRatioTest, rng: np.random.Generator, nobs: int
) -> tuple[dict[sp.Symbol, float], np.ndarray] | None:
    """Seeded known values and data in the support with a finite maximum likelihood."""
    model = d._spec.model
    for _ in range(20):
        given = draw_values(model.constants, rng)
        arr = draw_from_support(numeric_support(model.domain, given), rng, nobs)
        try:
            hat, _ = d._estimators(given, arr)
        except ArgumentError:  # pragma: no cover
            continue
        with np.errstate(all="ignore"):
            if all(math.isfinite(v) for v in hat.values()) and bool(
                np.all(np.isfinite(d._loglik(given, arr)(hat)))
            ):
                return given, arr
    return None  # pragma: no cover - seeded draws in the support


def _maximum_failure(
    d: LikelihoodRatioTest, given: Mapping[sp.Symbol, float], arr: np.ndarray, null0: list[float]
) -> Verdict | None:
    """Nelder-Mead from near each closed-form MLE finds no higher likelihood."""
    from scipy import optimize

    model = d._spec.model
    logf = d._loglik(given, arr)
    hat, tilde = d._estimators(given, arr)

    def neg(vec: np.ndarray, fixed: Mapping[sp.Symbol, float]) -> float:
        theta = dict(fixed)
        theta.update(zip([p for p in model.params if p not in fixed], vec, strict=True))
        with np.errstate(all="ignore"):
            value = -float(np.sum(logf(theta)))
        return value if math.isfinite(value) else 1e300

    fixed0 = dict(zip(d.null_values, null0, strict=True))
    for label, fixed, best in (("the MLE", {}, hat), ("the MLE under H0", fixed0, tilde(null0))):
        free = [p for p in model.params if p not in fixed]
        if not free:
            continue
        x0 = np.array([best[p] for p in free])
        ref = neg(x0, fixed)
        for start in (x0 * 1.05 + 0.01, x0 * 0.95 - 0.01):
            res = optimize.minimize(
                neg,
                start,
                args=(fixed,),
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000},
            )
            if res.fun < ref - 1e-7 * max(1.0, abs(ref)):
                return Verdict(
                    False,
                    "numeric maximisation",
                    claimed=d.result,
                    claimed_value=-ref,
                    expected_value=-float(res.fun),
                    notes=(f"{label} is not the maximum",),
                )
    return None


def lr_verdict(d: LikelihoodRatioTest, *, seed: int = 0, nobs: int = 30) -> Verdict:
    """The MLEs maximise the likelihood; the p-value is the chi-square tail; inversion."""
    rng = np.random.default_rng(seed)
    found = _seeded_sample(d, rng, nobs)
    if found is None:  # pragma: no cover - seeded draws in the support
        return Verdict(
            False,
            "inconclusive",
            claimed=d.result,
            notes=("inconclusive: no seeded data with a finite maximum likelihood",),
        )
    given, arr = found
    hat, _ = d._estimators(given, arr)
    null0 = [hat[p] * 1.1 if p.is_positive else hat[p] + 0.3 for p in d.null_values]
    k = len(null0)
    failed = _maximum_failure(d, given, arr, null0) or tails_failure(d, float(k), 1e-9)
    if failed is not None:
        return failed
    notes = [
        f"the closed-form MLEs maximise the log-likelihood on {nobs} seeded values",
        "the p-value formula is the chi-square tail",
    ]
    if k == 1:

        def run(null: float) -> TestResult:
            return d.evaluate(arr, null, values=given)

        failed = inversion_failure(d, run, null0[0], "two-sided", notes)
        if failed is not None:
            return failed
        notes.append("at the interval's ends the p-value is 1 - level")
    return Verdict(
        True, "maximisation, tails and inversion", claimed=d.result, notes=tuple(notes), points=nobs
    )
