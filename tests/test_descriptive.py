"""Descriptive statistics as formulas with numbers, and moments of distributions with steps."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import sympy as sp
import sympy.stats as ss

from symml import (
    ArgumentError,
    Derivation,
    Statistic,
    expectation,
    sample_mean,
    sample_median,
    sample_std,
    sample_variance,
    variance,
)

MU = sp.Symbol("mu", real=True)
SIGMA = sp.Symbol("sigma", positive=True)
P = sp.Symbol("p", positive=True)
LAM = sp.Symbol("lambda", positive=True)


def at_sample(st: Statistic, data) -> float:
    values = {st.x[k + 1]: sp.Float(float(v), 30) for k, v in enumerate(data)}
    return float(st.result.xreplace({st.n: len(data)}).doit().xreplace(values))


# ---------------------------------------------------------------------------
# Sample statistics
# ---------------------------------------------------------------------------
def test_formulas_are_the_textbook_ones():
    x, i, n = sample_mean().x, sample_mean().i, sample_mean().n
    assert sample_mean().result == sp.Sum(x[i], (i, 1, n)) / n
    assert isinstance(sample_variance(), Derivation)
    j = sp.Symbol("j", integer=True, positive=True)
    centred = sp.Sum((x[i] - sp.Sum(x[j], (j, 1, n)) / n) ** 2, (i, 1, n))
    assert sample_variance().result == centred / (n - 1)
    assert sample_variance(ddof=0).result == centred / n
    assert sample_std(ddof=0).result == sp.sqrt(centred / n)


@pytest.mark.parametrize(
    ("stat", "numpy"),
    [
        (sample_mean(), np.mean),
        (sample_variance(), lambda a: np.var(a, ddof=1)),
        (sample_variance(ddof=0), np.var),
        (sample_std(), lambda a: np.std(a, ddof=1)),
        (sample_std(ddof=0), np.std),
    ],
    ids=["mean", "var1", "var0", "std1", "std0"],
)
def test_formula_and_evaluate_agree_with_numpy(stat, numpy):
    data = np.random.default_rng(0).normal(2.0, 3.0, 9)
    assert at_sample(stat, data) == pytest.approx(numpy(data), rel=1e-12)
    assert stat.evaluate(data) == pytest.approx(numpy(data), rel=1e-12)
    assert stat.verify()


def test_median_odd_and_even():
    med = sample_median()
    assert med.evaluate([5, 1, 3]) == 3.0
    assert med.evaluate([4, 1, 3, 10]) == 3.5
    assert med.verify()


def test_evaluate_accepts_lists_arrays_and_series():
    values = [3.0, 1.0, 4.0, 1.0, 5.0]
    for data in (values, np.array(values), pd.Series(values, index=list("abcde"))):
        assert sample_mean().evaluate(data) == pytest.approx(2.8)
        assert sample_median().evaluate(data) == 3.0
        assert sample_variance().evaluate(data) == pytest.approx(pd.Series(values).var())
        assert sample_std().evaluate(data) == pytest.approx(pd.Series(values).std())


def test_variance_is_stable_where_the_shortcut_formula_is_not():
    text = ["10000000.2"] + ["10000000.1", "10000000.3"] * 500  # NIST NumAcc4
    exact = [Fraction(v) for v in text]
    mean = sum(exact) / len(exact)
    var = sum((v - mean) ** 2 for v in exact) / (len(exact) - 1)
    data = np.array([float(v) for v in text])
    assert sample_std().evaluate(data) == pytest.approx(0.1, rel=1e-8)
    assert sample_variance().evaluate(data) == pytest.approx(float(var), rel=1e-7)
    shortcut = (np.sum(data**2) - len(data) * np.mean(data) ** 2) / (len(data) - 1)
    assert abs(shortcut / float(var) - 1) > 1e-3
    whys = [s.why for s in sample_variance().steps]
    assert any("numerically unstable" in w for w in whys)


def test_statistic_errors():
    with pytest.raises(ArgumentError, match=r"it is empty"):
        sample_mean().evaluate([])
    with pytest.raises(ArgumentError, match=r"nan at index 'b'"):
        sample_mean().evaluate(pd.Series([1.0, np.nan], index=["a", "b"]))
    with pytest.raises(ArgumentError, match=r"1 value\(s\) with ddof=1"):
        sample_variance().evaluate([2.0])
    with pytest.raises(ArgumentError, match=r"ddof=-1 is not valid"):
        sample_variance(ddof=-1)


# ---------------------------------------------------------------------------
# Moments of distributions
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rv", "mean", "var"),
    [
        (ss.Normal("X", MU, SIGMA), MU, SIGMA**2),
        (ss.Bernoulli("B", P), P, P * (1 - P)),
        (ss.Poisson("N", LAM), LAM, LAM),
        (ss.Exponential("E", LAM), 1 / LAM, 1 / LAM**2),
        (ss.Die("D", 6), sp.Rational(7, 2), sp.Rational(35, 12)),
    ],
    ids=["normal", "bernoulli", "poisson", "exponential", "die"],
)
def test_expectation_and_variance_of_the_catalog(rv, mean, var):
    e = expectation(rv)
    v = variance(rv)
    assert sp.simplify(e.result - mean) == 0
    assert sp.simplify(v.result - var) == 0
    assert e.verify() and v.verify()
    assert e.steps[0].why.startswith("definition")
    assert isinstance(e.steps[0].expr, (sp.Integral, sp.Sum, sp.Add))
    assert next(s.lhs for s in v.steps if s.lhs is not None) == sp.stats.Variance(rv)


def test_expectation_steps_show_the_definition():
    X = ss.Normal("X", MU, SIGMA)
    e = expectation(X**2)
    assert isinstance(e.steps[0].expr, sp.Integral)
    assert e.steps[0].lhs == sp.stats.Expectation(X**2)
    assert e.result == MU**2 + SIGMA**2
    b = expectation(ss.Bernoulli("B", P))
    assert b.steps[0].expr == sp.Add(
        sp.Mul(0, 1 - P, evaluate=False), sp.Mul(1, P, evaluate=False), evaluate=False
    )


def test_known_moments_when_sympy_runs_out_of_budget():
    mu = sp.Symbol("mu", real=True)
    v = variance(ss.LogNormal("L", mu, SIGMA), budget=0.2)
    expected = (sp.exp(SIGMA**2) - 1) * sp.exp(2 * mu + SIGMA**2)
    for point in ({mu: 0.3, SIGMA: 0.7}, {mu: -1.2, SIGMA: 1.9}):
        assert float(v.result.subs(point)) == pytest.approx(float(expected.subs(point)), rel=1e-12)
    assert any(s.why.startswith("known") for s in v.steps)
    assert v.verify()


def test_moment_argument_errors():
    X, Y = ss.Normal("X", 0, 1), ss.Normal("Y", 0, 1)
    with pytest.raises(ArgumentError, match=r"exactly one sympy.stats random variable"):
        expectation(X + Y)
    with pytest.raises(ArgumentError, match=r"pass the random variable itself"):
        variance(X**2)
    with pytest.raises(ArgumentError, match=r"pass a sympy.stats random variable"):
        expectation("X")
    assert math.isclose(float(variance(X).result), 1.0)


def test_old_keyword_spellings_warn_and_still_work():
    X = ss.Poisson("N", LAM)
    with pytest.warns(DeprecationWarning, match=r"expectation\(expr=...\) is deprecated"):
        assert expectation(expr=X).result == LAM
    with pytest.warns(DeprecationWarning, match=r"variance\(X=...\) is deprecated"):
        assert variance(X=X).result == LAM
    assert expectation(f=X).result == LAM


@pytest.mark.parametrize(
    "make",
    [lambda: sample_mean(), lambda: expectation(ss.Poisson("N", LAM))],
    ids=["statistic", "moment"],
)
def test_verify_rejects_unknown_options(make):
    with pytest.raises(ArgumentError, match="bogus"):
        make().verify(bogus=1)
