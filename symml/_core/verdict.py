"""``Verdict``: the answer to "are these two things equal?".

Returned by :func:`symml.check`, :meth:`Derivation.verify` and, per step, by
:func:`symml.check_steps`. A verdict is truthy iff the two sides were found
equivalent; when they are not, ``counterexample`` is a point (a mapping
Symbol -> value) where they differ, with both values at that point.

Truthy is not always proved: when only sampling decided (every sampled point
agrees, no proof was found), the verdict is truthy but ``sampled`` is True,
``proved`` is False, and its text says so: ``agrees at 40 points (no proof)``.

Examples
--------
>>> import sympy as sp
>>> from symml._core.verdict import Verdict
>>> x = sp.Symbol("x")
>>> v = Verdict(False, "numeric", claimed=x, expected=-x,
...             counterexample={x: 2.0}, claimed_value=2.0, expected_value=-2.0)
>>> bool(v)
False
>>> v.counterexample
{x: 2.0}
>>> print(v)
not equivalent (numeric): at x = 2.0 the claimed side is 2.0 but the expected side is -2.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from . import hooks

__all__ = ["Verdict"]


def _fmt_float(value: float) -> str:
    text = f"{value:.10g}"
    return text if any(c in text for c in ".einfa") else text + ".0"


def _fmt(value: Any) -> str:
    if isinstance(value, sp.MatrixBase):
        rows = ("[" + ", ".join(_fmt(e) for e in row) + "]" for row in value.tolist())
        return "[" + ", ".join(rows) + "]"
    if isinstance(value, sp.Float) and abs(value) < 1e300:
        return _fmt_float(float(value))
    if isinstance(value, sp.Expr) and value.is_number and value.has(sp.Float):
        return str(value.evalf(10))
    if isinstance(value, complex):
        if value.imag == 0:
            return _fmt_float(value.real)
        return f"{value:.10g}"
    if isinstance(value, float):
        return _fmt_float(value)
    return str(value)


@dataclass(frozen=True)
class Verdict:
    """Whether a claimed result equals an expected one, and how that was decided.

    Attributes
    ----------
    equivalent : bool
        True iff the two sides were found equal. ``bool(verdict)`` is this.
    method : str
        What decided: ``"symbolic"`` (a proof by simplification),
        ``"numeric"`` (sampling at random points), ``"finite differences"``
        (a derivative compared with central differences), ...
    claimed, expected : sympy object or None
        The two sides as compared (derivatives evaluated).
    counterexample : mapping or None
        A point ``{Symbol: value}`` where the two sides differ beyond the
        tolerance; None when equivalent.
    claimed_value, expected_value : number, array or None
        The two sides evaluated at ``counterexample``.
    notes : tuple of str
        What happened on the way, e.g. a symbolic budget that ran out and
        the numeric fallback that decided instead.
    points : int
        How many sample points were evaluated.
    entry : tuple of int or None
        For matrices, the index ``(i, j)`` of the entry the values belong to.
    sampled : bool
        True when the sides agree at every sampled point but nothing proved it
        (``check`` found no symbolic proof). Such a verdict is truthy, so that
        ``assert check(...)`` and ``if check(...)`` keep accepting what the
        evidence supports, but it is no proof: its text reads ``agrees at N
        points (no proof)`` and :attr:`proved` is False. Test ``v.proved``
        where only a proof will do.

    Examples
    --------
    >>> v = Verdict(True, "numeric", points=40, sampled=True)
    >>> bool(v), v.proved, str(v)
    (True, False, 'agrees at 40 points (no proof)')
    >>> Verdict(True, "symbolic").proved
    True
    """

    equivalent: bool
    method: str
    claimed: Any = None
    expected: Any = None
    counterexample: Mapping[sp.Basic, Any] | None = None
    claimed_value: Any = None
    expected_value: Any = None
    notes: tuple[str, ...] = field(default=())
    points: int = 0
    entry: tuple[int, ...] | None = None
    sampled: bool = False

    def __bool__(self) -> bool:
        return bool(self.equivalent)

    @property
    def proved(self) -> bool:
        """Whether the sides were found equivalent by more than sampling (see ``sampled``)."""
        return bool(self.equivalent) and not self.sampled

    @property
    def message(self) -> str:
        """One line saying what was found."""
        if self.equivalent and self.sampled:
            return f"agrees at {self.points} points (no proof)"
        if self.equivalent:
            how = f" at {self.points} points" if self.method != "symbolic" and self.points else ""
            return f"equivalent ({self.method}{how})"
        if self.method == "inconclusive":
            return "inconclusive: " + (
                self.notes[0].removeprefix("inconclusive: ") if self.notes else "no detail"
            )
        if self.counterexample is None:
            return f"not equivalent ({self.method})"
        where = ", ".join(f"{k} = {_fmt(v)}" for k, v in self.counterexample.items())
        place = [f"at {where}"] if where else []
        if self.entry is not None:
            place.append(f"in entry {self.entry}")
        return (
            f"not equivalent ({self.method}): {' '.join([*place, 'the claimed side is'])} "
            f"{_fmt(self.claimed_value)} but the expected side is {_fmt(self.expected_value)}"
        )

    def __str__(self) -> str:
        return self.message

    def _repr_latex_(self) -> str:
        return f"${hooks.get('to_latex')(self)}$"
