"""Hypothesis property: ``symml.mle`` on generated custom densities either derives or
raises a ``SymmlError`` -- never another exception, never a hang -- and so does ``fit``
on small generated data sets."""

from __future__ import annotations

import time
import warnings

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symml

THETA = sp.Symbol("theta", positive=True)
K = sp.Symbol("k", positive=True)
MU = sp.Symbol("mu", real=True)
X = {
    "real": sp.Symbol("x", real=True),
    "positive": sp.Symbol("x", positive=True),
    "count": sp.Symbol("x", integer=True, nonnegative=True),
}
# how a parameter enters the density
REPARAM = [
    lambda p: p,
    lambda p: p**2,
    lambda p: 1 / p,
    lambda p: sp.sqrt(p),
    lambda p: sp.exp(p),
    lambda p: p**3 + 1,
]
# data terms per kind of observation
TERMS = {
    "real": lambda x: [x, x**2, x**3, x**4, sp.log(1 + x**2), sp.exp(x / 4)],
    "positive": lambda x: [x, x**2, sp.log(x), 1 / x, sp.sqrt(x), sp.log(1 + x)],
    "count": lambda x: [x, x**2, sp.log(sp.factorial(x)), sp.log(1 + x)],
}
# textbook densities (normalised), reparametrised below
PROPER = {
    "real": lambda x, p, q: sp.sqrt(p / (2 * sp.pi)) * sp.exp(-p * (x - q) ** 2 / 2),
    "positive": lambda x, p, q: p * sp.exp(-p * x),
    "count": lambda x, p, q: p**x * sp.exp(-p) / sp.factorial(x),
}
DATA = {
    "real": st.floats(-4, 4, allow_nan=False).map(lambda v: round(v, 3)),
    "positive": st.floats(0.01, 6).map(lambda v: round(v, 3)),
    "count": st.integers(0, 7),
}


@st.composite
def densities(draw):
    """A density (or unnormalised kernel) in ``x`` and one or two parameters, and data."""
    kind = draw(st.sampled_from(sorted(X)))
    x = X[kind]
    second = MU if kind == "real" else K
    params = [THETA] + ([second] if draw(st.booleans()) else [])
    p = draw(st.sampled_from(REPARAM))(THETA)
    q = draw(st.sampled_from(REPARAM))(second) if second in params else sp.Integer(1)
    if second is MU and second in params:
        q = MU if draw(st.booleans()) else q
    if draw(st.integers(0, 3)) == 0:
        f = PROPER[kind](x, p, q)
    else:
        terms = TERMS[kind](x)
        log_f = sp.Integer(0)
        for _ in range(draw(st.integers(1, 3))):
            coef = draw(st.sampled_from([p, q, p * q, -p, -q, p - q, p + 1]))
            log_f += coef * draw(st.sampled_from(terms))
        if draw(st.booleans()):  # a normaliser in the parameters only
            log_f += draw(st.sampled_from([sp.log(p), -p, sp.log(p) / 2, -q, sp.log(p + q)]))
        f = sp.exp(-log_f) if draw(st.booleans()) else sp.exp(log_f)
        if draw(st.booleans()):
            f = sp.powsimp(sp.expand(f))
    data = draw(st.lists(DATA[kind], min_size=2, max_size=6))
    return f, params, x, data


BUDGET = 1.0


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(densities())
def test_mle_on_generated_densities_returns_or_raises_a_symml_error(case):
    f, params, x, data = case
    start = time.monotonic()
    try:
        est = symml.mle(f, params, var=x, budget=BUDGET)
    except symml.SymmlError:
        est = None
    if est is not None:
        assert set(est.estimators) <= set(params)
        with warnings.catch_warnings():
            # symml's own warnings about a fit are part of its answer, not leaks
            warnings.simplefilter("ignore", symml.StandardErrorWarning)
            warnings.simplefilter("ignore", symml.ConvergenceWarning)
            try:
                fit = est.fit(data)
            except symml.SymmlError:
                fit = None
        if fit is not None:
            assert set(fit.params) == {p.name for p in params}
    assert time.monotonic() - start < 15 * BUDGET + 15  # generous: no hang
