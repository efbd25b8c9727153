"""How Derivation subclasses are built: declared fields, ``_make_steps``, ``_with`` copies."""

from __future__ import annotations

import pytest
import sympy as sp

from symml._core import ArgumentError, Derivation, Step

x = sp.Symbol("x", real=True)


class Scaled(Derivation):
    """A test subclass: ``factor * source``, with steps built from its fields."""

    __slots__ = ("factor",)

    def _make_steps(self) -> list[Step]:
        return [Step(self.source, "given"), Step(self.factor * self.source, "scale")]


def _scaled(factor: int) -> Scaled:
    return Scaled(factor * x**2, kind="scaled", source=x**2, factor=factor)


def test_declared_fields_are_set_by_the_constructor():
    d = _scaled(3)
    assert d.factor == 3 and d.result == 3 * x**2
    assert Scaled._fields() == ("factor",)


def test_unknown_and_missing_fields_are_refused():
    with pytest.raises(TypeError, match="unknown: \\['offset'\\]"):
        Scaled(x, factor=2, offset=1)
    with pytest.raises(TypeError, match="missing: \\['factor'\\]"):
        Scaled(x)


def test_steps_come_from_make_steps_lazily():
    d = _scaled(3)
    assert d._steps is None  # nothing built until someone looks
    assert [s.why for s in d.steps] == ["given", "scale"]


def test_with_copies_and_rebuilds_own_steps_from_the_new_fields():
    d = _scaled(3)
    assert d.steps[-1].expr == 3 * x**2
    e = d._with(factor=5, result=5 * x**2)
    assert e.factor == 5 and d.factor == 3
    assert e.steps[-1].expr == 5 * x**2  # the copy's steps describe the copy
    assert type(e) is Scaled


def test_with_keeps_explicit_steps_and_refuses_unknown_fields():
    d = Derivation(2 * x, [Step(2 * x, "given")], kind="k")
    assert d._with(kind="other").steps == d.steps
    with pytest.raises(TypeError, match="no field 'factor'"):
        d._with(factor=1)


def test_verify_refuses_options_its_verifier_does_not_take():
    def verifier(d: Derivation, *, seed: int = 0):
        from symml._core import Verdict

        return Verdict(True, "test", points=seed)

    d = Derivation(x, kind="k", verifier=verifier)
    assert d.verify(seed=4).points == 4
    with pytest.raises(
        ArgumentError, match="bogus=1 is not valid: verify\\(\\) of this k accepts seed="
    ):
        d.verify(bogus=1)
