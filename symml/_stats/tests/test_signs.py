"""Specifications of the sign mechanism: sums over real data, roots chosen by sign, and a
posterior whose scale is negative is reported wrong (not inconclusive)."""

from __future__ import annotations

import sympy as sp
import sympy.stats as ss

import symml
from symml._stats.signs import inadmissible, signed_sums, statistic_facts

i, n = sp.symbols("i n", integer=True, positive=True)
x = sp.IndexedBase("x")
xp = sp.IndexedBase("x", positive=True)


def test_sums_of_squares_and_counts_have_known_signs():
    assert statistic_facts(x[i] ** 2) == {"nonnegative": True}
    assert statistic_facts(sp.Integer(1)) == {"positive": True}
    assert statistic_facts(xp[i]) == {"positive": True}
    assert statistic_facts(sp.log(xp[i])) == {"real": True}
    assert statistic_facts(x[i]) == {"real": True}
    assert statistic_facts(-(x[i] ** 2)) == {"nonpositive": True}


def test_roots_are_judged_with_the_signs_of_the_sums():
    s = sp.Symbol("s", positive=True)
    total = sp.Sum(x[i] ** 2, (i, 1, n))
    neg, back = signed_sums(-s / sp.sqrt(1 + total))
    pos, _ = signed_sums(s / sp.sqrt(1 + total))
    assert inadmissible(neg, s) == "not positive, but s > 0"
    assert inadmissible(pos, s) is None
    assert list(back.values()) == [total]
    r = sp.Symbol("r", nonnegative=True)
    assert inadmissible(signed_sums(-total)[0], r) is None  # may be 0
    assert inadmissible(signed_sums(-1 - total)[0], r) == "negative, but r >= 0"
    assert inadmissible(sp.I, sp.Symbol("t", real=True)) == "complex"


def _normal_normal():
    mu, m0 = sp.Symbol("mu", real=True), sp.Symbol("m_0", real=True)
    sigma, tau = sp.symbols("sigma tau_0", positive=True)
    return symml.conjugate_posterior(ss.Normal("X", mu, sigma), ss.Normal("mu", m0, tau))


def _with_scale(post, scale):
    """A copy of ``post`` whose posterior scale is ``scale`` (as a wrong derivation would)."""
    spec = post._spec
    s_n = spec.hyper[1]
    hyper = dict(post.hyperparameters)
    hyper[s_n] = scale
    sums = {h: t for h, t in spec.forms.sums.items()}
    back = {t: h for h, t in sums.items()}
    raw = list(spec.forms.exprs)
    raw[1] = scale.xreplace(back)
    forms = spec.forms._replace(exprs=tuple(raw), stable=None, stats=())
    return post._with(hyperparameters=hyper, _spec=spec._replace(forms=forms))


def test_verify_reports_a_negative_posterior_scale_as_wrong():
    post = _normal_normal()
    s_n = post._spec.hyper[1]
    right = post.hyperparameters[s_n]
    verdict = _with_scale(post, -right).verify()
    assert not verdict and verdict.method == "sign of the hyperparameters"
    assert "not positive" in verdict.notes[0] and "s_n" in verdict.notes[0]


def test_verify_reports_a_scale_negative_on_seeded_data_as_wrong():
    post = _normal_normal()
    sigma = sp.Symbol("sigma", positive=True)
    xi = post._spec.forms.data[0]
    total = sp.Sum(xi, (xi.indices[0], 1, post._spec.forms.n))
    verdict = _with_scale(post, sigma - 100 - total**2).verify()  # sign unknown symbolically
    assert not verdict and verdict.method == "hyperparameters on seeded data"
    assert verdict.claimed_value <= 0 and "proper posterior" in verdict.notes[0]
