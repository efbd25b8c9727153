"""The hypothesis-test derivation type, the formulas its tests share, and its self-check."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import sympy as sp

from ..._core import Derivation, Step, Verdict
from ..density import compile_numeric
from ..sample import ALTERNATIVES
from .result import ConfidenceInterval, TestResult


# ---------------------------------------------------------------------------
# The derivation type
# ---------------------------------------------------------------------------
class HypothesisTest(Derivation):
    """A test statistic's derivation, with its numeric evaluation ``evaluate(...)``.

    Attributes
    ----------
    result : sympy.Expr
        The test statistic as a formula of summary statistics.
    null_distribution : sympy.stats random variable
        The statistic's distribution under the null hypothesis (exact or
        asymptotic, as the steps say).
    pvalue : dict
        ``{"two-sided": ..., "less": ..., "greater": ...}``: the p-value as a
        formula of :attr:`statistic_symbol` (only ``"two-sided"`` for tests
        whose statistic is not signed).
    interval : dict
        The confidence interval for each alternative as a ``sympy.Interval``
        in the summary statistics and the quantile symbol.
    statistic_symbol : sympy.Symbol
        The symbol standing for the statistic's observed value.
    """

    __slots__ = ("interval", "null_distribution", "pvalue", "statistic_symbol")

    null_distribution: Any
    pvalue: dict[str, sp.Expr]
    interval: dict[str, sp.Basic]
    statistic_symbol: sp.Symbol

    #: Interval ends that come from clipping to the parameter space, not from inversion.
    _clipped_ends: ClassVar[tuple[float, ...]] = ()

    @staticmethod
    def _compiled(key: str, expr: sp.Basic, args: Sequence[sp.Symbol]) -> Callable:
        """``to_numpy(expr, args)``, compiled once (cached by expression and arguments)."""
        return compile_numeric(expr, args, key.replace("-", "_"))

    def _pvalue(self, statistic: float, df: float | None, alternative: str) -> float:
        expr = self.pvalue[alternative]
        args = [
            self.statistic_symbol,
            *sorted(expr.free_symbols - {self.statistic_symbol}, key=lambda s: s.name),
        ]
        func = self._compiled("p_" + alternative, expr, args)
        extra = [] if len(args) == 1 else [df]
        return float(func(statistic, *extra))

    def _result(
        self,
        statistic: float,
        *,
        df: float | None,
        alternative: str,
        level: float,
        interval: Callable[[float], ConfidenceInterval],
        **fields: Any,
    ) -> TestResult:
        """The :class:`TestResult` of ``statistic``: its p-value and its interval at ``level``."""
        return TestResult(
            statistic=statistic,
            pvalue=self._pvalue(statistic, df, alternative),
            df=None if df is None else float(df),
            alternative=alternative,
            level=level,
            ci=interval(level),
            _interval=interval,
            **fields,
        )

    # Subclasses: the Monte Carlo check of the null distribution and the data
    # it uses, as ``(simulate(rng, reps) -> statistics, null cdf, df)``.
    def _simulation(self) -> tuple[Callable[[np.random.Generator, int], np.ndarray], Any]:
        raise NotImplementedError

    def _example(
        self, rng: np.random.Generator
    ) -> tuple[Callable[[float, str, float], TestResult], float]:
        """``run(null, alternative, level)`` on seeded data, and a null value (for inversion)."""
        raise NotImplementedError


# ---------------------------------------------------------------------------
# Shared symbols and formulas
# ---------------------------------------------------------------------------
_n = sp.Symbol("n", integer=True, positive=True)
_xbar = sp.Symbol("xbar", real=True)
_mu0 = sp.Symbol("mu_0", real=True)
_sigma = sp.Symbol("sigma", positive=True)
_s = sp.Symbol("s", positive=True)
_alpha = sp.Symbol("alpha", positive=True)
_z = sp.Symbol("z", real=True)
_t = sp.Symbol("t", real=True)
_nu = sp.Symbol("nu", positive=True)
_zq2 = sp.Symbol(r"z_{1-\alpha/2}", positive=True)
_zq1 = sp.Symbol(r"z_{1-\alpha}", positive=True)
_tq2 = sp.Symbol(r"t_{\nu, 1-\alpha/2}", positive=True)
_tq1 = sp.Symbol(r"t_{\nu, 1-\alpha}", positive=True)


def _normal_pvalues(z: sp.Symbol) -> dict[str, sp.Expr]:
    """Tails of N(0, 1) at ``z`` with ``erfc`` of ``|z|``: no cancellation in either tail."""
    tail = sp.erfc(sp.Abs(z) / sp.sqrt(2)) / 2  # P(Z >= |z|), accurate however small
    return {
        "two-sided": 2 * tail,
        "less": sp.Piecewise((tail, z < 0), (1 - tail, True)),
        "greater": sp.Piecewise((tail, z > 0), (1 - tail, True)),
    }


def _t_pvalues(t: sp.Symbol, nu: sp.Expr) -> dict[str, sp.Expr]:
    """Tails of Student's t with ``nu`` degrees of freedom, by the incomplete beta function."""
    two = sp.betainc_regularized(nu / 2, sp.S.Half, 0, nu / (nu + t**2))
    return {
        "two-sided": two,
        "less": sp.Piecewise((1 - two / 2, t > 0), (two / 2, True)),
        "greater": sp.Piecewise((two / 2, t > 0), (1 - two / 2, True)),
    }


def _pvalue_steps(pvalues: Mapping[str, sp.Expr], tails: Mapping[str, str]) -> list[Step]:
    return [Step(pvalues[alt], tails[alt], lhs=rf"p_{{\text{{{alt}}}}}") for alt in ALTERNATIVES]


def _normal_density(z: sp.Symbol) -> sp.Expr:
    return sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)


def _t_density(t: sp.Symbol, nu: sp.Expr) -> sp.Expr:
    return (
        sp.gamma((nu + 1) / 2)
        / (sp.sqrt(nu * sp.pi) * sp.gamma(nu / 2))
        * (1 + t**2 / nu) ** (-(nu + 1) / 2)
    )


def _intervals(center: sp.Expr, se: sp.Expr, q2: sp.Symbol, q1: sp.Symbol) -> dict[str, sp.Basic]:
    return {
        "two-sided": sp.Interval(center - q2 * se, center + q2 * se),
        "less": sp.Interval(-sp.oo, center + q1 * se),
        "greater": sp.Interval(center - q1 * se, sp.oo),
    }


def ci_label(param: str, alternative: str) -> str:
    return rf"\operatorname{{CI}}_{{\text{{{alternative}}}}}({param})"


def _interval_steps(
    intervals: Mapping[str, sp.Basic], param: str, stat: str, q2: sp.Symbol, q1: sp.Symbol
) -> list[Step]:
    return [
        Step(
            intervals["two-sided"],
            f"invert the two-sided test: keep the null values with |{stat}| <= {q2.name}",
            lhs=ci_label(param, "two-sided"),
        ),
        Step(
            intervals["less"],
            f"alternative less: keep the null values with {stat} >= -{q1.name}",
            lhs=ci_label(param, "less"),
        ),
        Step(
            intervals["greater"],
            f"alternative greater: keep the null values with {stat} <= {q1.name}",
            lhs=ci_label(param, "greater"),
        ),
    ]


_NORMAL_TAILS = {
    "two-sided": r"P(|Z| >= |z|) = 2 (1 - Phi(|z|))",
    "less": r"P(Z <= z) = Phi(z)",
    "greater": r"P(Z >= z) = 1 - Phi(z)",
}
_T_TAILS = {
    "two-sided": r"P(|T| >= |t|): the regularised incomplete beta function I_x(nu/2, 1/2)",
    "less": r"P(T <= t), by the symmetry of the t distribution",
    "greater": r"P(T >= t), by the symmetry of the t distribution",
}


def interval_from(
    alternative: str,
    level: float,
    quantile: Callable[[float], float],
    bounds: Callable[[float, float], tuple[float, float]],
) -> ConfidenceInterval:
    """The interval for ``alternative``; ``bounds(q2, q1)`` gives the two ends."""
    a = 1.0 - level
    if alternative == "two-sided":
        low, high = bounds(quantile(a / 2), quantile(a / 2))
        return ConfidenceInterval(low, high)
    low, high = bounds(quantile(a), quantile(a))
    if alternative == "less":
        return ConfidenceInterval(-math.inf, high)
    return ConfidenceInterval(low, math.inf)


def norm_isf(a: float) -> float:
    from scipy import stats

    return float(stats.norm.isf(a))


def t_isf(df: float) -> Callable[[float], float]:
    """The upper quantile function of Student's t with ``df`` degrees of freedom."""
    from scipy import stats

    return lambda a: float(stats.t.isf(a, df))


def symmetric_interval(
    alternative: str, center: float, se: float, quantile: Callable[[float], float]
) -> Callable[[float], ConfidenceInterval]:
    """``level -> center -/+ quantile * se`` for ``alternative`` (one end open when one-sided)."""
    return lambda level: interval_from(
        alternative, level, quantile, lambda q2, q1: (center - q2 * se, center + q2 * se)
    )


# ---------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------
def _kolmogorov(sample: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    """The Kolmogorov distance between the empirical CDF of ``sample`` and ``cdf``."""
    s = np.sort(sample)
    f = cdf(s)
    k = np.arange(1, s.size + 1)
    return float(max(np.max(k / s.size - f), np.max(f - (k - 1) / s.size)))


def _null_failure(d: HypothesisTest, rng: np.random.Generator, reps: int) -> Verdict | None:
    """The statistic simulated under H0 has the claimed distribution (Kolmogorov distance)."""
    simulate, cdf, _ = d._simulation()
    distance = _kolmogorov(np.asarray(simulate(rng, reps), dtype=float), cdf)
    bound = 2.0 / math.sqrt(reps)  # far beyond the 0.1 % Kolmogorov critical value 1.95/sqrt(N)
    if distance < bound:
        return None
    return Verdict(
        False,
        "simulation under H0",
        claimed=d.result,
        claimed_value=distance,
        expected_value=bound,
        notes=(f"null distribution: Kolmogorov distance {distance:.4f} over {reps} simulations",),
        points=reps,
    )


def tails_failure(d: HypothesisTest, df: float | None, rtol: float) -> Verdict | None:
    """The p-value formulas are the tails of the null distribution (normal, t or chi-square)."""
    from scipy import stats

    grid = np.array([-12.0, -3.1, -1.7, -0.4, 0.0, 0.25, 1.3, 2.2, 4.5, 9.0])
    if df is None:
        tails = {
            "two-sided": 2 * stats.norm.sf(np.abs(grid)),
            "less": stats.norm.cdf(grid),
            "greater": stats.norm.sf(grid),
        }
    elif d.pvalue.keys() == {"two-sided"}:
        grid = np.abs(grid) ** 2
        tails = {"two-sided": stats.chi2.sf(grid, df)}
    else:
        tails = {
            "two-sided": 2 * stats.t.sf(np.abs(grid), df),
            "less": stats.t.cdf(grid, df),
            "greater": stats.t.sf(grid, df),
        }
    for alt, expected in tails.items():
        got = np.array([d._pvalue(float(v), df, alt) for v in grid])
        if not np.allclose(got, expected, rtol=rtol, atol=0):
            k = int(np.argmax(np.abs(got - expected)))
            return Verdict(
                False,
                "p-value formula",
                claimed=d.pvalue[alt],
                counterexample={d.statistic_symbol: float(grid[k])},
                claimed_value=float(got[k]),
                expected_value=float(expected[k]),
                notes=(f"alternative {alt}: the p-value is not the null distribution's tail",),
            )
    return None


def inversion_failure(
    d: HypothesisTest,
    run: Callable[[float], TestResult],
    null: float,
    alternative: str,
    notes: Sequence[str],
) -> Verdict | None:
    """At the ends of the interval from ``run(null)`` the p-value ``run(end)`` is 1 - level."""
    res = run(null)
    for end in res.ci:
        if not math.isfinite(end) or end in d._clipped_ends:
            continue  # an open end, or an end clipped to the parameter space
        p = run(end).pvalue
        if not math.isclose(p, 1 - res.level, rel_tol=1e-7):
            return Verdict(
                False,
                "interval by inversion",
                claimed=d.interval[alternative],
                claimed_value=p,
                expected_value=1 - res.level,
                notes=(*notes, f"alternative {alternative}, level {res.level}, end {end}"),
            )
    return None


def test_verdict(
    d: HypothesisTest, *, seed: int = 0, reps: int = 4000, rtol: float = 1e-9
) -> Verdict:
    """Check the null distribution (simulation), the p-value formulas and the interval."""
    rng = np.random.default_rng(seed)
    failed = _null_failure(d, rng, reps) or tails_failure(d, d._simulation()[2], rtol)
    if failed is not None:
        return failed
    notes = [
        f"null distribution: simulated {reps} times, within the Kolmogorov bound",
        "p-value formulas equal the null tails",
    ]
    run, null = d._example(rng)
    for alt in d.pvalue:
        for level in (0.9, 0.95):
            failed = inversion_failure(
                d, lambda m, a=alt, lev=level: run(m, a, lev), null, alt, notes
            )
            if failed is not None:
                return failed
    notes.append("at the interval's ends the p-value is 1 - level")
    return Verdict(
        True, "simulation, tails and inversion", claimed=d.result, notes=tuple(notes), points=reps
    )
