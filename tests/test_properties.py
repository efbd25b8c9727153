"""Hypothesis properties: gradient and Hessian of random differentiable expressions
agree with SymPy and with central finite differences."""

from __future__ import annotations

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symml

x, y = sp.symbols("x y", real=True)

LEAVES = st.sampled_from([x, y, sp.Integer(2), sp.Rational(1, 2), sp.Integer(-3)])
UNARY = [
    sp.sin,
    sp.cos,
    sp.tanh,
    sp.atan,
    lambda u: sp.exp(sp.sin(u)),
    lambda u: sp.log(1 + u**2),
    lambda u: sp.sqrt(1 + u**2),
    lambda u: u**2,
    lambda u: u**3,
    lambda u: 1 / (1 + u**2),
]


def _combine(children):
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: t[0](t[1]))
    binary = st.tuples(st.sampled_from(["+", "*", "-"]), children, children).map(
        lambda t: {"+": t[1] + t[2], "*": t[1] * t[2], "-": t[1] - t[2]}[t[0]]
    )
    return unary | binary


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=6).filter(lambda e: e.has(x) or e.has(y))


@settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(EXPRESSIONS)
def test_gradient_and_hessian_of_random_expressions(f):
    g = symml.gradient(f, [x, y])
    H = symml.hessian(f, [x, y])
    for i, v in enumerate((x, y)):
        assert sp.expand(g.result[i] - sp.diff(f, v)) == 0
    assert H.result == H.result.T
    assert g.verify(), (f, g.verify().message)
    assert H.verify(), (f, H.verify().message)
    # The last step of each partial is the partial itself.
    partials = [s for s in g.steps if s.lhs is not None][:2]
    assert [s.lhs for s in partials] == [sp.Derivative(f, x), sp.Derivative(f, y)]
