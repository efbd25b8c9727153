"""Specifications for the Derivation and Step result types."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symml
from symml import ArgumentError, Derivation, Step

x, y = sp.symbols("x y", real=True)


def test_result_is_plain_immutable_sympy():
    d = Derivation(sp.Matrix([x, y]), [Step(x, "start")])
    assert isinstance(d.result, sp.ImmutableMatrix)
    assert d.steps == (Step(x, "start"),)


def test_derivation_is_immutable():
    d = Derivation(2 * x, [Step(x, "start")])
    with pytest.raises(AttributeError, match="immutable"):
        d.result = x  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del d.kind
    with pytest.raises(AttributeError):
        d.steps[0].why = "x"  # type: ignore[index]


def test_usable_where_sympy_expects_an_expression():
    d = symml.gradient(x**2 * y, [x, y])
    assert sp.sympify(d) == d.result
    assert (sp.Matrix([[1, 1]]) * sp.sympify(d))[0] == 2 * x * y + x**2
    s = Derivation(2 * x)
    assert sp.sin(s) == sp.sin(2 * x)
    assert sp.Add(s, 1) == 2 * x + 1


def test_lazy_steps_are_built_once():
    calls = []

    def factory():
        calls.append(1)
        return [Step(x, "a")]

    d = Derivation(x, factory)
    assert calls == []
    assert d.steps == d.steps
    assert calls == [1]


def test_step_validation():
    with pytest.raises(ArgumentError, match="why"):
        Step(x, 3)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="parse_expr"):
        Step("x + 1", "text is not an expression")
    with pytest.raises(ArgumentError, match=r"symml.Step"):
        Derivation(x, ["not a step"])  # type: ignore[list-item]
    assert Step(x, "label", lhs=r"\nabla f").lhs == r"\nabla f"


def test_default_args_and_to_numpy():
    a = sp.Symbol("a", real=True)
    d = symml.gradient(a * x**2 * y, [y, x])
    assert d.default_args() == [y, x, a]
    np.testing.assert_allclose(d.to_numpy()(2.0, 3.0, 0.5), [4.5, 6.0])
    np.testing.assert_allclose(d.to_numpy(args=[a, x, y])(0.5, 3.0, 2.0), [4.5, 6.0])


def test_generated_functions_name_what_was_derived_and_keep_its_shape():
    f = symml.gradient(x**2 * y, [x, y]).to_numpy()
    with pytest.raises(ArgumentError, match=r"the gradient takes \(x, y\).*missing y"):
        f(1.0)
    # A 1 x 1 Hessian stays two-dimensional; an explicit shape still wins.
    assert symml.hessian(x**3, [x]).to_numpy()(2.0).tolist() == [[12.0]]
    assert symml.hessian(x**3, [x]).to_numpy(shape=())(2.0) == 12.0


def test_equality_and_hash():
    assert symml.gradient(x**2, [x]) == symml.gradient(x**2, [x])
    assert symml.gradient(x**2, [x]) != symml.hessian(x**2, [x])
    assert len({symml.gradient(x**2, [x]), symml.gradient(x**2, [x])}) == 1


def test_verify_without_verifier_checks_the_chain_of_steps():
    good = Derivation(2 * x, [Step(sp.Derivative(x**2, x), "definition"), Step(2 * x, "power")])
    assert good.verify()
    bad = Derivation(3 * x, [Step(sp.Derivative(x**2, x), "definition"), Step(2 * x, "power")])
    verdict = bad.verify()
    assert not verdict
    assert verdict.counterexample


def test_repr_latex_for_notebooks():
    d = symml.gradient(x**2, [x])
    assert d._repr_latex_().startswith("$\\displaystyle \\begin{aligned}")
    assert d.markdown().startswith("**gradient** with respect to $x$")
