"""check on piecewise claims: decided region by region, sampled past every breakpoint.

A wrong claim that differs only past a breakpoint the random samples never reach
(|x| <= 50) must be caught there, with a counterexample that really separates the
sides; a correct piecewise identity must be *proved*, not only sampled; and a verdict
that only sampling decided must say so.
"""

from __future__ import annotations

import pytest
import sympy as sp

from symml import check, check_steps, to_latex

x, y, w, b = sp.symbols("x y w b", real=True)
p = sp.Symbol("p", positive=True)
d = sp.Derivative


def huber(delta):
    return sp.Piecewise((x**2 / 2, sp.Abs(x) <= delta), (delta * sp.Abs(x) - delta**2 / 2, True))


def clip(e, lo, hi):
    return sp.Min(sp.Max(e, lo), hi)


def _value(side, point):
    """``side`` at ``point``, independently of check: exact substitution, 50 digits."""
    exact = {s: sp.Rational(repr(float(v))) for s, v in point.items()}
    return complex(sp.N(sp.sympify(side).doit().xreplace(exact), 50))


def assert_separates(claimed, expected, verdict):
    """The verdict is falsy and its counterexample really separates the two sides."""
    assert not verdict and verdict.method == "numeric", verdict
    a = _value(claimed, verdict.counterexample)
    e = _value(expected, verdict.counterexample)
    assert abs(a - e) > 1e-6 * max(1.0, abs(a), abs(e))
    assert a == pytest.approx(complex(verdict.claimed_value), rel=1e-9, abs=1e-12)
    assert e == pytest.approx(complex(verdict.expected_value), rel=1e-9, abs=1e-12)


def assert_proved(verdict):
    """A proof, not sampling: symbolic, region by region (unless the sides are one)."""
    assert verdict.proved and verdict.method == "symbolic", verdict
    assert not verdict.sampled
    if verdict.claimed != verdict.expected:
        assert any("region by region" in note for note in verdict.notes), verdict.notes


# -- the three claims of issue 16 ----------------------------------------------------


def test_max_past_its_breakpoint():
    claimed = sp.Max(x, 100) - 100 + x
    v = check(claimed, x)
    assert_separates(claimed, x, v)
    assert v.counterexample[x] > 100


def test_clipping_at_1000_is_not_ignored():
    v = check(sp.Min(x, 1000) * y, x * y)
    assert_separates(sp.Min(x, 1000) * y, x * y, v)
    assert v.counterexample[x] > 1000


def test_huber_derivative_with_a_wrong_slope_past_400():
    claimed = d(huber(400), x)
    expected = sp.Piecewise((x, sp.Abs(x) <= 400), (401 * sp.sign(x), True))
    v = check(claimed, expected)
    assert_separates(claimed, expected, v)
    assert abs(v.counterexample[x]) > 400
    # and the right one, clipping, is proved on the regions cut at x = -400, 0, 400
    v = check(claimed, clip(x, -400, 400))
    assert_proved(v)
    assert "x = -400" in v.notes[-1] and "x = 400" in v.notes[-1]


# -- each construct: a wrong claim past its breakpoint, and an identity ----------------

WRONG_PAST_A_BREAKPOINT = [
    ("Abs", sp.Abs(x - 200), 200 - x),
    ("sign", sp.sign(x - 300), -1),
    ("Heaviside", sp.Heaviside(x - 500), 0),
    ("floor", sp.floor(p / 1000), 0),
    ("ceiling", sp.ceiling(p / 1000), 1),
    ("frac", sp.frac(p / 1000), p / 1000),
    ("Max", sp.Max(x, 100) - 100 + x, x),
    ("Min", sp.Min(x, 1000) * y, x * y),
    ("Piecewise", sp.Piecewise((x, x < 250), (2 * x, True)), x),
    ("Piecewise-And", sp.Piecewise((0, sp.And(x > 60, x < 70)), (x, True)), x),
    ("nested", sp.Max(sp.Min(x, 800), -800), x),
]


@pytest.mark.parametrize(
    ("claimed", "expected"),
    [c[1:] for c in WRONG_PAST_A_BREAKPOINT],
    ids=[c[0] for c in WRONG_PAST_A_BREAKPOINT],
)
def test_wrong_only_past_a_breakpoint_is_caught(claimed, expected):
    assert_separates(claimed, expected, check(claimed, expected))


IDENTITIES = [
    ("Abs", sp.Abs(x - 1), sp.Max(x - 1, 1 - x)),
    ("sign", sp.sign(x) * sp.Abs(x), x),
    ("Heaviside", sp.Heaviside(x) + sp.Heaviside(-x), 1),
    ("Heaviside-ReLU", x * sp.Heaviside(x), sp.Max(x, 0)),
    ("floor", sp.floor(x) + sp.frac(x), x),
    ("ceiling", sp.ceiling(x) + sp.floor(-x), 0),
    ("Max", sp.Max(x, y), (x + y + sp.Abs(x - y)) / 2),
    ("Min", sp.Min(x, y), -sp.Max(-x, -y)),
    ("Min+Max", sp.Min(x, y) + sp.Max(x, y), x + y),
    ("Piecewise", sp.Piecewise((x, x > 0), (-x, True)), sp.Abs(x)),
    ("Piecewise-quadratic", sp.Piecewise((1, x**2 < 4), (0, True)), sp.Heaviside(2 - sp.Abs(x))),
    ("Max-exp", sp.Max(sp.exp(x), 2), sp.Piecewise((2, x < sp.log(2)), (sp.exp(x), True))),
    (
        "Abs-derivative",
        d(sp.Abs(x**2 - 1), x),
        sp.Piecewise((2 * x, sp.Abs(x) > 1), (-2 * x, True)),
    ),
]


@pytest.mark.parametrize(
    ("claimed", "expected"), [c[1:] for c in IDENTITIES], ids=[c[0] for c in IDENTITIES]
)
def test_piecewise_identity_is_proved(claimed, expected):
    assert_proved(check(claimed, expected))


# -- machine-learning losses, right and wrong ---------------------------------------

RELU_STEP = sp.Piecewise((1, x > 0), (0, True))
HINGE = sp.Max(0, 1 - y * (w * x + b))

LOSSES_RIGHT = [
    ("ReLU' = Heaviside", d(sp.Max(x, 0), x), sp.Heaviside(x)),
    ("ReLU' = step", d(sp.Max(x, 0), x), RELU_STEP),
    ("ReLU = (x + |x|)/2", sp.Max(x, 0), (x + sp.Abs(x)) / 2),
    (
        "leaky ReLU'",
        d(sp.Max(x, x / 100), x),
        sp.Piecewise((1, x > 0), (sp.Rational(1, 100), True)),
    ),
    (
        "leaky ReLU, two pieces",
        sp.Max(x, x / 100),
        sp.Piecewise((x, x >= 0), (x / 100, True)),
    ),
    ("hinge subgradient", d(HINGE, w), sp.Piecewise((-y * x, y * (w * x + b) < 1), (0, True))),
    (
        "hinge, Piecewise form",
        HINGE,
        sp.Piecewise((1 - y * (w * x + b), y * (w * x + b) < 1), (0, True)),
    ),
    ("Huber' = clip", d(huber(1), x), clip(x, -1, 1)),
    ("Huber' = clip, delta 3", d(huber(3), x), clip(x, -3, 3)),
    ("clip, Max of Min", clip(x, -1, 1), sp.Max(-1, sp.Min(x, 1))),
    (
        "gradient clipping",
        clip(x * y, -5, 5),
        sp.Piecewise((-5, x * y < -5), (5, x * y > 5), (x * y, True)),
    ),
]

LOSSES_WRONG = [
    ("ReLU6 is not ReLU", clip(x, 0, 600), sp.Max(x, 0)),
    (
        "leaky ReLU' sign slip",
        d(sp.Max(x, x / 100), x),
        sp.Piecewise((1, x > 0), (-sp.Rational(1, 100), True)),
    ),
    ("leaky ReLU' is not ReLU'", d(sp.Max(x, x / 100), x), RELU_STEP),
    ("hinge margin slip", d(HINGE, w), sp.Piecewise((-y * x, y * (w * x + b) < 0), (0, True))),
    ("Huber' is not x", d(huber(100), x), x),
    (
        "Huber slope slip",
        huber(100),
        sp.Piecewise((x**2 / 2, sp.Abs(x) <= 100), (100 * sp.Abs(x), True)),
    ),
    ("clip range slip", clip(x, -1, 1000), clip(x, -1, 1)),
    ("gradient clipping at 100 ignored", clip(x * y, -100, 100), x * y),
]


@pytest.mark.parametrize(
    ("claimed", "expected"), [c[1:] for c in LOSSES_RIGHT], ids=[c[0] for c in LOSSES_RIGHT]
)
def test_ml_loss_identity_is_proved(claimed, expected):
    assert_proved(check(claimed, expected))


@pytest.mark.parametrize(
    ("claimed", "expected"), [c[1:] for c in LOSSES_WRONG], ids=[c[0] for c in LOSSES_WRONG]
)
def test_ml_loss_slip_is_caught(claimed, expected):
    assert_separates(claimed, expected, check(claimed, expected))


# -- sampling is no proof --------------------------------------------------------------


def test_a_sampled_verdict_says_no_proof():
    v = check(x * (1 + sp.Float("1e-12")), x)
    assert v  # truthy: every point agrees (within rtol)
    assert v.sampled and not v.proved and v.method == "numeric"
    assert str(v) == f"agrees at {v.points} points (no proof)"
    assert "agrees at" in v._repr_latex_() and "no proof" in v._repr_latex_()


def test_a_chain_names_its_sampled_steps():
    near = x * (1 + sp.Float("1e-12"))
    v = check_steps([x**2, x**2, near**2, near**2])
    assert v and v.verdict.sampled and not v.verdict.proved
    assert (
        v.message
        == f"all 3 steps hold; step 2 only agrees at {v.verdicts[1].points} points (no proof)"
    )
    one = check_steps([x, near])
    assert (
        one.message
        == f"the step holds; it only agrees at {one.verdicts[0].points} points (no proof)"
    )
    assert "agrees at" in to_latex(one) and "no proof" in to_latex(one)


def test_far_magnitudes_are_sampled_for_every_real_symbol():
    # Differs only for |x| > 1e4 or so: no breakpoint, but far-out points catch it.
    claimed = x * (1 + sp.exp(-(sp.Rational(10) ** 10) / x**2))
    v = check(claimed, x)
    assert_separates(claimed, x, v)
    assert abs(v.counterexample[x]) >= 1e4


def test_far_noise_is_no_counterexample():
    # At z = 1000, 1 - 1/(1 + exp(-z)) cancels more digits than 60: a correct
    # cross-entropy gradient must not be refuted by that noise.
    s = 1 / (1 + sp.exp(-x))
    v = check(d(-(y * sp.log(s) + (1 - y) * sp.log(1 - s)), x), s - y)
    assert v and v.counterexample is None, v


def test_breakpoints_of_a_boundary_in_two_symbols():
    # Max(x, y) switches on the line x = y; the points on both sides of it catch this.
    claimed = sp.Max(x, y + 300)
    v = check(claimed, y + 300)
    assert_separates(claimed, y + 300, v)
    assert v.counterexample[x] > v.counterexample[y] + 300


def test_matrices_entry_by_entry():
    v = check(sp.Matrix([sp.Max(x, 0), sp.Abs(x)]), sp.Matrix([x * sp.Heaviside(x), sp.Max(x, -x)]))
    assert_proved(v)
    v = check(sp.Matrix([sp.Max(x, 0), sp.Min(x, 700)]), sp.Matrix([x * sp.Heaviside(x), x]))
    assert not v and v.entry == (1, 0) and v.counterexample[x] > 700


def test_boundaries_in_integers_are_not_excepted():
    # sign(k - 3)**2 = 1 fails at the integer k = 3: no proof region by region there
    k = sp.Symbol("k", integer=True)
    v = check(sp.sign(k - 3) ** 2, 1)
    assert not v and v.counterexample[k] == 3
