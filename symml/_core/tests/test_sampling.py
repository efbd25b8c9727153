"""Specifications of the sample points (an internal mechanism: these tests move with it)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symml._core import ArgumentError
from symml._core.sampling import domain_of, sample_arrays, sample_points

N = 300


def _values(sym: sp.Basic, n: int = N, **kw) -> list:
    return [p[sym] for p in sample_points([sym], n, **kw)]


@pytest.mark.parametrize(
    ("assumptions", "predicate"),
    [
        ({"integer": True}, lambda v: isinstance(v, int)),
        ({"integer": True, "positive": True}, lambda v: isinstance(v, int) and v > 0),
        ({"integer": True, "nonnegative": True}, lambda v: isinstance(v, int) and v >= 0),
        ({"integer": True, "negative": True}, lambda v: isinstance(v, int) and v < 0),
        ({"integer": True, "nonzero": True}, lambda v: isinstance(v, int) and v != 0),
        ({"even": True}, lambda v: isinstance(v, int) and v % 2 == 0),
        ({"odd": True}, lambda v: isinstance(v, int) and v % 2 == 1),
        ({"prime": True}, lambda v: isinstance(v, int) and sp.isprime(v)),
        ({"positive": True}, lambda v: isinstance(v, float) and v > 0),
        ({"nonnegative": True}, lambda v: isinstance(v, float) and v >= 0),
        ({"negative": True}, lambda v: isinstance(v, float) and v < 0),
        ({"nonpositive": True}, lambda v: isinstance(v, float) and v <= 0),
        ({"real": True}, lambda v: isinstance(v, float)),
        ({"zero": True}, lambda v: v == 0),
        ({"imaginary": True}, lambda v: isinstance(v, complex) and v.real == 0 and v.imag != 0),
    ],
    ids=lambda a: "-".join(a) if isinstance(a, dict) else "",
)
def test_assumptions_respected(assumptions, predicate):
    sym = sp.Symbol("s", **assumptions)
    values = _values(sym)
    assert all(predicate(v) for v in values), [v for v in values if not predicate(v)][:5]


def test_real_symbols_take_both_signs_and_wide_values():
    x = sp.Symbol("x", real=True)
    values = np.array(_values(x))
    assert (values < 0).any() and (values > 0).any()
    assert np.abs(values).max() > 20  # wide: a truncated series would be caught
    assert np.abs(values).max() <= 50
    assert (np.abs(values) <= 3).mean() > 0.5  # mostly moderate
    moderate = np.array(_values(x, wide=False))
    assert np.abs(moderate).max() <= 3


def test_positive_values_span_a_log_scale():
    p = sp.Symbol("p", positive=True)
    values = np.array(_values(p))
    assert values.min() < 1e-2 and values.max() > 1e2
    assert values.min() >= 1e-3 * 0.999 and values.max() <= 1e3 * 1.001
    moderate = np.array(_values(p, wide=False))
    assert moderate.min() >= 0.0999 and moderate.max() <= 3.0001


def test_nonnegative_sometimes_zero():
    s = sp.Symbol("s", nonnegative=True)
    assert 0.0 in _values(s)


def test_complex_symbols_get_real_and_complex_values():
    z = sp.Symbol("z")
    values = _values(z)
    complex_ = [v for v in values if isinstance(v, complex)]
    real = [v for v in values if isinstance(v, float)]
    assert len(complex_) > N / 3
    assert len(real) > N / 6
    assert any(v < 0 for v in real) and any(v > 0 for v in real)


def test_values_are_rounded_to_six_digits():
    x = sp.Symbol("x", real=True)
    for v in _values(x, 50):
        assert float(f"{v:.6g}") == v


def test_reproducible_with_seed():
    x, k, z = sp.Symbol("x", real=True), sp.Symbol("k", integer=True), sp.Symbol("z")
    a = sample_points([x, k, z], 25, seed=3)
    assert a == sample_points([x, k, z], 25, seed=3)
    assert a != sample_points([x, k, z], 25, seed=4)
    # A set is put in a fixed order, so it is reproducible too.
    assert sample_points({x, k, z}, 5, seed=1) == sample_points({z, k, x}, 5, seed=1)


def test_point_structure():
    x, y = sp.symbols("x y", real=True)
    points = sample_points([x, y, x], 7)
    assert len(points) == 7
    assert all(list(p) == [x, y] for p in points)
    assert sample_points([], 3) == [{}, {}, {}]


def test_indexed_symbols_follow_their_base_assumptions():
    xb = sp.IndexedBase("x", positive=True)
    values = [p[xb[1]] for p in sample_points([xb[1], xb[2]], 50)]
    assert all(v > 0 for v in values)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (sp.Symbol("x"), "list of Symbols"),
        ("x", "list of Symbols"),
        ([sp.Symbol("x") + 1], "Symbol"),
    ],
)
def test_bad_symbols(bad, match):
    with pytest.raises(ArgumentError, match=match):
        sample_points(bad, 3)


@pytest.mark.parametrize("n", [-1, 2.5, True])
def test_bad_n(n):
    with pytest.raises(ArgumentError, match="n="):
        sample_points([sp.Symbol("x")], n)


def test_domain_of():
    assert domain_of(sp.Symbol("k", integer=True, negative=True)) == "negative integers"
    assert domain_of(sp.Symbol("s", nonnegative=True)) == "nonnegative reals"
    assert domain_of(sp.Symbol("t", imaginary=True)) == "imaginary numbers"
    assert domain_of(sp.Symbol("z")) == "complex numbers"


# -- sample_arrays -----------------------------------------------------------------


def test_sample_arrays_shapes_dtypes_and_ranges():
    x = sp.Symbol("x", real=True)
    s = sp.Symbol("s", positive=True)
    m = sp.Symbol("m", negative=True)
    k = sp.Symbol("k", integer=True, positive=True)
    plain = sp.Symbol("u")  # no assumptions: treated as real here
    arrays = sample_arrays([x, s, m, k, plain], (50, 4), seed=2)
    for sym in (x, s, m, k, plain):
        assert arrays[sym].shape == (50, 4)
        assert arrays[sym].dtype == np.float64
    assert (arrays[s] > 0).all() and arrays[s].max() <= 3.0001
    assert (arrays[m] < 0).all()
    assert (arrays[k] >= 1).all() and (arrays[k] == np.round(arrays[k])).all()
    assert np.abs(arrays[x]).max() <= 3 and (arrays[x] < 0).any() and (arrays[x] > 0).any()


def test_sample_arrays_reproducible_and_int_shape():
    x = sp.Symbol("x", real=True)
    a = sample_arrays([x], 10, seed=5)[x]
    assert a.shape == (10,)
    np.testing.assert_array_equal(a, sample_arrays([x], 10, seed=5)[x])
    assert not np.array_equal(a, sample_arrays([x], 10, seed=6)[x])


def test_sample_arrays_wide():
    x = sp.Symbol("x", real=True)
    assert np.abs(sample_arrays([x], 400, wide=True)[x]).max() > 10


def test_sample_arrays_refuses_non_real_symbols():
    t = sp.Symbol("t", imaginary=True)
    with pytest.raises(ArgumentError, match="real=True"):
        sample_arrays([t], 3)
