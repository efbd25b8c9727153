"""KL divergence and entropy of ``sympy.stats`` families, from each family's known moments.

The expectation of the log-ratio is taken term by term: ``E[X]``, ``E[X^2]``, ``E[log X]``, ..."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from ..._core import CHECK_BUDGET, ArgumentError, Deadline, Step, Verdict, as_budget, bad_argument
from ._checks import first_failure, numeric_verdict
from ._forms import Tex, simp

#: sympy.stats distribution class -> the family's name here.
_CONTINUOUS = {
    "NormalDistribution": "Normal",
    "ExponentialDistribution": "Exponential",
    "GammaDistribution": "Gamma",
    "BetaDistribution": "Beta",
}
_DISCRETE = {"PoissonDistribution": "Poisson"}
FAMILIES = ("Normal", "Bernoulli", "Poisson", "Exponential", "Categorical", "Beta", "Gamma")


def family_of(rv: Any, name: str) -> str:
    """The family of a sympy.stats random variable, or a clear error."""
    from sympy.stats.frv import SingleFiniteDistribution
    from sympy.stats.rv import RandomSymbol

    if not isinstance(rv, RandomSymbol):
        raise ArgumentError(
            bad_argument(
                name,
                rv,
                "pass a symml.gaussian(mean, cov) or a sympy.stats random variable "
                f"({', '.join(FAMILIES)})",
            )
        )
    dist = getattr(rv.pspace, "distribution", None)
    cls = type(dist).__name__
    if cls == "BernoulliDistribution":
        return "Bernoulli"
    if isinstance(dist, SingleFiniteDistribution):
        return "Categorical"
    if cls in _CONTINUOUS:
        return _CONTINUOUS[cls]
    if cls in _DISCRETE:
        return _DISCRETE[cls]
    raise ArgumentError(
        bad_argument(name, rv, f"{cls} is not supported; use one of {', '.join(FAMILIES)}")
    )


# -- moments under P ---------------------------------------------------------------------
_L, _L1, _LF = sp.symbols("L L1 LF")  # stand-ins for log x, log(1 - x), log x!


def _moments(family: str, args: tuple[sp.Expr, ...]) -> dict[str, sp.Expr]:
    """``{"x": E[X], "x2": E[X^2], "log": E[log X], ...}`` of the family at ``args``."""
    if family == "Normal":
        mu, s = args
        return {"x": mu, "x2": mu**2 + s**2}
    if family == "Exponential":
        (r,) = args
        return {"x": 1 / r, "x2": 2 / r**2, "log": -sp.EulerGamma - sp.log(r)}
    if family == "Gamma":
        k, th = args
        return {"x": k * th, "x2": k * (k + 1) * th**2, "log": sp.digamma(k) + sp.log(th)}
    if family == "Beta":
        a, b = args
        return {
            "x": a / (a + b),
            "x2": a * (a + 1) / ((a + b) * (a + b + 1)),
            "log": sp.digamma(a) - sp.digamma(a + b),
            "log1m": sp.digamma(b) - sp.digamma(a + b),
        }
    (lam,) = args  # Poisson
    n = sp.Symbol("n", integer=True, nonnegative=True)
    return {
        "x": lam,
        "x2": lam + lam**2,
        "logfact": sp.Sum(
            sp.log(sp.factorial(n)) * lam**n * sp.exp(-lam) / sp.factorial(n), (n, 0, sp.oo)
        ),
    }


def _log_density(rv: Any, x: sp.Symbol) -> sp.Expr:
    dist = rv.pspace.distribution
    return sp.expand(sp.expand_log(sp.log(dist.pdf(x)), force=True))


def _expect(
    expr: sp.Expr, x: sp.Symbol, X: Any, moments: dict[str, sp.Expr]
) -> tuple[sp.Expr, sp.Expr]:
    """``E[expr(X)]`` term by term: (the linear combination of E[...] shown, its value)."""
    from sympy.stats import Expectation

    e = sp.expand(expr.xreplace({sp.log(x): _L, sp.log(1 - x): _L1, sp.log(sp.factorial(x)): _LF}))
    poly = sp.Poly(e, x, _L, _L1, _LF)
    terms = {
        (1, 0, 0, 0): ("x", X),
        (2, 0, 0, 0): ("x2", X**2),
        (0, 1, 0, 0): ("log", sp.log(X)),
        (0, 0, 1, 0): ("log1m", sp.log(1 - X)),
        (0, 0, 0, 1): ("logfact", sp.log(sp.factorial(X))),
    }
    shown, value = sp.S.Zero, sp.S.Zero
    for monom, coeff in poly.terms():
        if monom == (0, 0, 0, 0):
            shown, value = shown + coeff, value + coeff
            continue
        key, term = terms[monom]
        shown += coeff * Expectation(term)
        value += coeff * moments[key]
    return shown, value


def tidy(value: sp.Expr, deadline: Deadline) -> sp.Expr:
    """The shortest of the moment form, its simplification, its logs expanded, its factored form."""
    candidates = []
    done, ok = deadline.run(lambda: _logs_apart(value), 1.0)
    if ok:
        candidates.append(done)  # first: preferred among equally short forms
    simple = simp(value, deadline)
    candidates += [simple, value]
    for rewrite in (lambda: sp.expand_log(simple, force=True), lambda: sp.factor(simple)):
        done, ok = deadline.run(rewrite, 1.0)
        if ok:
            candidates.append(done)
    return min(candidates, key=sp.count_ops)


def _logs_apart(value: sp.Expr) -> sp.Expr:
    """Logarithms with one coefficient combined (``l log(a/b)``), the rest factored."""
    e = sp.expand(sp.expand_log(value, force=True))
    groups: dict[sp.Expr, list[sp.Expr]] = {}
    for t in sp.Add.make_args(e):
        if t.has(sp.log):
            coeff, log_part = t.as_independent(sp.log, as_Add=False)
            number, factor = coeff.as_coeff_Mul()
            groups.setdefault(factor, []).append(number * log_part)
    logs = sp.Add(*(f * sp.logcombine(sp.Add(*ls), force=True) for f, ls in groups.items()))
    rest = e - sp.Add(*[t for t in sp.Add.make_args(e) if t.has(sp.log)])
    special = sorted(rest.atoms(sp.polygamma), key=str)
    forms = [sp.factor(sp.together(rest)), sp.collect(rest, special) if special else rest, rest]
    return logs + min(forms, key=sp.count_ops)


def _finite_pmf(rv: Any) -> dict[Any, sp.Expr]:
    return dict(rv.pspace.distribution.dict)


def family_kl(
    P: Any, Q: Any, family: str, deadline: Deadline
) -> tuple[sp.Expr, list[Step], Callable[..., Verdict]]:
    """``KL(P || Q)`` of two variables of ``family``: (result, steps, verifier)."""
    from sympy.stats import Expectation

    lhs = r"\mathrm{KL}(P \,\|\, Q)"
    if family in ("Bernoulli", "Categorical"):
        p, q = _finite_pmf(P), _finite_pmf(Q)
        missing = [v for v in p if v not in q]
        if missing:
            raise ArgumentError(
                bad_argument(
                    "Q",
                    Q,
                    f"Q gives no probability to the values {missing} that P can take: "
                    "KL(P || Q) is infinite; use a Q whose support covers P's",
                )
            )
        terms = [p[v] * sp.log(p[v] / q[v]) for v in p]
        result = simp(sp.Add(*terms), deadline)
        steps = [
            Step(
                Tex(r"\sum_{x} p(x) \log \frac{p(x)}{q(x)}"),
                "definition: E_P of the log-ratio, a finite sum",
                lhs=lhs,
            ),
            Step(sp.Add(*terms, evaluate=False), f"over the values {list(p)}"),
            Step(result, "simplify"),
        ]
        return result, steps, _kl_verifier(P, Q, family, result)
    x = sp.Dummy("x", real=True, positive=family != "Normal")
    ratio = _log_density(P, x) - _log_density(Q, x)
    moments = _moments(family, tuple(P.pspace.distribution.args))
    shown, value = _expect(ratio, x, P, moments)
    result = tidy(value, deadline)
    dp, dq = P.pspace.distribution.pdf(P), Q.pspace.distribution.pdf(P)
    steps = [
        Step(
            Expectation(sp.log(dp) - sp.log(dq)),
            "definition: the expectation under P of the log-ratio",
            lhs=lhs,
        ),
        Step(Expectation(ratio.xreplace({x: P})), "expand the logarithms"),
        Step(shown, "linearity of expectation"),
        Step(value, f"the moments of {family}{tuple(P.pspace.distribution.args)}"),
        Step(result, "simplify"),
    ]
    return result, steps, _kl_verifier(P, Q, family, result)


def family_entropy(
    P: Any, family: str, deadline: Deadline
) -> tuple[sp.Expr, list[Step], Callable[..., Verdict]]:
    """``H(P) = -E[log p(X)]`` of a family member: (result, steps, verifier)."""
    from sympy.stats import Expectation

    if family in ("Bernoulli", "Categorical"):
        p = _finite_pmf(P)
        terms = [-p[v] * sp.log(p[v]) for v in p]
        result = simp(sp.Add(*terms), deadline)
        steps = [
            Step(sp.Symbol(r"-\sum_{x} p(x) \log p(x)"), "definition, a finite sum", lhs="H(P)"),
            Step(sp.Add(*terms, evaluate=False), f"over the values {list(p)}"),
            Step(result, "simplify"),
        ]
        return result, steps, _entropy_verifier(P, family, result)
    x = sp.Dummy("x", real=True, positive=family != "Normal")
    neg = -_log_density(P, x)
    moments = _moments(family, tuple(P.pspace.distribution.args))
    shown, value = _expect(neg, x, P, moments)
    result = value if value.has(sp.Sum) else tidy(value, deadline)
    steps = [
        Step(
            Expectation(-sp.log(P.pspace.distribution.pdf(P))),
            "definition: minus the expected log-density",
            lhs="H(P)",
        ),
        Step(Expectation(neg.xreplace({x: P})), "expand the logarithm"),
        Step(shown, "linearity of expectation"),
        Step(value, f"the moments of {family}{tuple(P.pspace.distribution.args)}"),
        Step(result, "simplify"),
    ]
    return result, steps, _entropy_verifier(P, family, result)


# -- numbers: SciPy's distributions ------------------------------------------------------------
def _draw(rvs: list[Any], family: str, rng: np.random.Generator) -> dict[sp.Basic, float]:
    syms = set().union(
        *(
            set().union(*(sp.sympify(a).free_symbols for a in rv.pspace.distribution.args))
            if family not in ("Bernoulli", "Categorical")
            else set().union(
                *(sp.sympify(v).free_symbols for v in rv.pspace.distribution.dict.values())
            )
            for rv in rvs
        )
    )
    out = {}
    for s in sorted(syms, key=str):
        if family in ("Bernoulli", "Categorical"):
            out[s] = float(rng.uniform(0.1, 0.9))
        elif s.is_positive or s.is_nonnegative:
            out[s] = float(rng.uniform(0.6, 3.0))
        else:
            out[s] = float(rng.uniform(-1.5, 1.5))
    return out


def _num(e: Any, values: dict[sp.Basic, float]) -> float:
    return float(sp.sympify(e).xreplace({k: sp.Float(v, 30) for k, v in values.items()}).evalf(30))


def _scipy(rv: Any, family: str, values: dict[sp.Basic, float]) -> Any:
    import scipy.stats as st

    if family in ("Bernoulli", "Categorical"):
        pmf = {float(k): _num(v, values) for k, v in _finite_pmf(rv).items()}
        return pmf
    a = [_num(v, values) for v in rv.pspace.distribution.args]
    return {
        "Normal": lambda: st.norm(loc=a[0], scale=a[1]),
        "Exponential": lambda: st.expon(scale=1 / a[0]),
        "Gamma": lambda: st.gamma(a[0], scale=a[1]),
        "Beta": lambda: st.beta(a[0], a[1]),
        "Poisson": lambda: st.poisson(a[0]),
    }[family]()


def _reference_kl(p: Any, q: Any, family: str) -> float:
    from scipy.integrate import quad

    if family in ("Bernoulli", "Categorical"):
        return float(sum(pv * np.log(pv / q[k]) for k, pv in p.items() if pv > 0))
    if family == "Poisson":
        ks = np.arange(0, int(p.ppf(1 - 1e-15)) + 50)
        pm = p.pmf(ks)
        keep = pm > 0
        return float(np.sum(pm[keep] * (p.logpmf(ks[keep]) - q.logpmf(ks[keep]))))
    lo, hi = p.support()
    value, _ = quad(
        lambda t: p.pdf(t) * (p.logpdf(t) - q.logpdf(t)) if p.pdf(t) > 0 else 0.0,
        lo,
        hi,
        limit=400,
        epsabs=1e-12,
        epsrel=1e-10,
    )
    return float(value)


def _kl_verifier(P: Any, Q: Any, family: str, result: sp.Expr) -> Callable[..., Verdict]:
    def verify(d: Any, *, seed: int = 0, budget: float = CHECK_BUDGET) -> Verdict:
        """KL against quadrature (continuous) or summation (discrete) with SciPy's densities."""
        as_budget(budget)
        rng = np.random.default_rng(seed)
        verdicts = []
        for _ in range(3):
            values = _draw([P, Q], family, rng)
            ref = _reference_kl(_scipy(P, family, values), _scipy(Q, family, values), family)
            verdicts.append(
                numeric_verdict(
                    np.array([_num(result, values)]),
                    np.array([ref]),
                    "KL vs quadrature of SciPy densities",
                    points=1,
                    rtol=1e-6,
                )
            )
        return first_failure(verdicts, result)

    return verify


def _entropy_verifier(P: Any, family: str, result: sp.Expr) -> Callable[..., Verdict]:
    def verify(d: Any, *, seed: int = 0, budget: float = CHECK_BUDGET) -> Verdict:
        """The entropy against SciPy's ``entropy()`` at seeded parameter values."""
        from scipy.stats import entropy as discrete_entropy

        as_budget(budget)
        rng = np.random.default_rng(seed)
        verdicts = []
        for _ in range(3):
            values = _draw([P], family, rng)
            dist = _scipy(P, family, values)
            ref = (
                discrete_entropy(list(dist.values()))
                if isinstance(dist, dict)
                else float(dist.entropy())
            )
            got = _num(_sum_numerically(result, P, values), values)
            verdicts.append(
                numeric_verdict(
                    np.array([got]), np.array([ref]), "entropy vs SciPy", points=1, rtol=1e-6
                )
            )
        return first_failure(verdicts, result)

    return verify


def _sum_numerically(result: sp.Expr, P: Any, values: dict[sp.Basic, float]) -> sp.Expr:
    """``result`` with its infinite sum ``E[log X!]`` (Poisson) replaced by its value."""
    from scipy.special import gammaln

    sums = list(result.atoms(sp.Sum))
    if not sums:
        return result
    lam = _num(P.pspace.distribution.args[0], values)
    ks = np.arange(0, int(lam + 60 * np.sqrt(lam + 1) + 60))
    logp = ks * np.log(lam) - lam - gammaln(ks + 1)
    total = float(np.sum(gammaln(ks + 1) * np.exp(logp)))
    return result.xreplace({s: sp.Float(total, 30) for s in sums})
