"""Numeric sampling: evaluate both sides at random points until they agree or one differs.

===================  ====================================================================
name                 what it does
===================  ====================================================================
:class:`_Sampler`    samples a prepared problem: a fast ``evalf`` first, a disagreement
                     confirmed exactly at higher precision, then a nicer counterexample
:class:`_Sampled`    what sampling found: valid and tried points, the counterexample
``_user_point``      a sampled point in the user's terms (matrix entries as matrices)
===================  ====================================================================

Points respect each symbol's assumptions (:func:`symml._core.sample_points`) and
are evaluated with SymPy/mpmath at :data:`_DIGITS` digits; a point where the sides
differ is re-evaluated with exact (rational) values at :data:`_CONFIRM_DIGITS`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from .._core import BudgetExceededError, Deadline, sample_points
from .matrices import _flat, _mat_eval, _scalar_of
from .prepare import SYMPY_FAILURES, _Problem
from .regions import SWITCHES, _Breakpoints, probe_points

_DIGITS = 30
_CONFIRM_DIGITS = 60
_STABLE_DIGITS = 150  # a counterexample's values must be the same at this precision
_ROUNDS = 4  # batches of n points drawn while collecting n valid ones
_MIN_VALID = 8  # fewer valid points than min(n, this) -> inconclusive
_NICER_TRIES = 12  # later points tried for a counterexample with values closer to 1
_BOUND = (sp.Integral, sp.Sum, sp.Product, sp.Lambda, sp.Subs)
_SLOW = object()  # marker: the fast evaluation did not give a number
_UNDEFINED = (sp.nan, sp.zoo, sp.oo, -sp.oo)


class _NotNumeric(Exception):
    """A side did not reduce to a number at a sample point."""


def _exact(value: Any) -> sp.Expr:
    """A sampled Python number as an exact SymPy number."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, complex):
        return _exact(value.real) + sp.I * _exact(value.imag)
    return sp.Rational(repr(float(value)))


def _python_value(value: Any) -> Any:
    """An mpmath number as a Python float/complex (SymPy Float when it overflows)."""
    if value is None:
        return None
    re, im = mpmath.mpf(value.real), mpmath.mpf(value.imag)
    if abs(re) > 1e300 or abs(im) > 1e300:
        return sp.Float(re, _DIGITS) + sp.I * sp.Float(im, _DIGITS) if im else sp.Float(re, _DIGITS)
    if im == 0:
        return float(re)
    return complex(float(re), float(im))


def _same(a: mpmath.mpc, b: mpmath.mpc) -> bool:
    """Whether one value at two precisions agrees to 12 digits (relative: noise is not zero)."""
    return bool(abs(a - b) <= 1e-12 * max(abs(a), abs(b)))


def _short(obj: Any, limit: int = 60) -> str:
    text = str(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _number(expr: sp.Basic, digits: int) -> mpmath.mpc | None:
    """``expr`` evaluated to ``digits``; None where it is undefined (nan, zoo, oo)."""
    value = expr.evalf(digits) if not isinstance(expr, sp.Number) else expr
    if value.has(*_UNDEFINED):
        return None
    if not getattr(value, "is_number", False) or value.free_symbols:
        raise _NotNumeric(f"it still contains {_short(value)} after substituting numbers")
    re, im = value.as_real_imag()
    try:
        return mpmath.mpc(mpmath.mpmathify(re.evalf(digits)), mpmath.mpmathify(im.evalf(digits)))
    except (TypeError, ValueError) as exc:
        raise _NotNumeric(f"{_short(value)} is not a number") from exc


def _fast_enough(expr: Any) -> bool:
    """Whether ``evalf(subs=...)`` suits ``expr`` (asked once per side: ``has`` walks it).

    Not for sums, integrals and indexed samples; nor for Heaviside, Max, ...:
    ``evalf(subs=...)`` substitutes one symbol at a time into them, and they then
    ask costly assumption queries (substituting all at once is faster).
    """
    return not expr.has(*_BOUND, sp.Indexed, *SWITCHES)


def _fast_number(expr: Any, exact: Mapping[Any, Any], digits: int) -> Any:
    """``evalf(subs=...)`` of ``expr``: a number, None where undefined, or ``_SLOW``."""
    value = expr.evalf(digits, subs=exact)
    if value.has(*_UNDEFINED):
        return None
    if not getattr(value, "is_number", False) or value.free_symbols:
        return _SLOW
    try:
        re, im = value.as_real_imag()
        return mpmath.mpc(mpmath.mpmathify(re), mpmath.mpmathify(im))
    except (TypeError, ValueError):
        return _SLOW


def _substitute(expr: Any, point: Mapping[Any, Any]) -> Any:
    if isinstance(expr, sp.Basic) and expr.has(*_BOUND):
        return expr.subs(point, simultaneous=True)
    return expr.xreplace(point)


def _roughness(point: Mapping[Any, Any]) -> float:
    """How far the coordinates are from magnitude 1 (in decades): nicer points first."""
    worst = 0.0
    for value in point.values():
        size = abs(value)
        if size:
            worst = max(worst, abs(math.log10(size)))
    return worst


def _coordinates(problem: _Problem) -> list[sp.Basic]:
    """The symbols to sample, the ones the user listed first; matrix entries last."""
    free: set[sp.Basic] = set()
    labels: set[sp.Basic] = set()
    for e in problem.a_num + problem.b_num:
        free |= e.free_symbols
        labels |= {ib.label for ib in e.atoms(sp.IndexedBase)}
    coords = {s for s in free if isinstance(s, sp.Symbol) and s not in labels}
    coords -= set(problem.stand_ins)
    first = [s for s in problem.order if s in coords]
    renamed_first = [d for d in problem.renamed if d in coords and d not in first]
    rest = sorted(coords - set(first) - set(renamed_first), key=sp.default_sort_key)
    # Every entry of every matrix symbol is a coordinate, in a fixed order.
    entries = [e for mat in problem.table.values() for e in mat]
    return first + renamed_first + rest + entries


def _user_point(problem: _Problem, point: Mapping[Any, Any]) -> dict[Any, Any]:
    """The sampled point in the user's terms: matrix entries regrouped into matrices."""
    out: dict[Any, Any] = {}
    matrices: dict[sp.MatrixSymbol, list[list[Any]]] = {}
    for sym, value in point.items():
        if sym in problem.stand_ins:
            ms, i, j = problem.stand_ins[sym]
            rows, cols = ms.shape
            grid = matrices.setdefault(ms, [[None] * int(cols) for _ in range(int(rows))])
            grid[i][j] = value
        else:
            out[problem.renamed.get(sym, sym)] = value
    for ms, grid in sorted(matrices.items(), key=lambda t: t[0].name):
        out[problem.renamed.get(ms, ms)] = sp.ImmutableMatrix(grid)
    return out


@dataclass
class _Sampled:
    """What sampling found: counts, whether time ran out, and a counterexample if any."""

    valid: int = 0
    tried: int = 0
    error: str | None = None
    stopped: bool = False  # time ran out
    point: dict[Any, Any] | None = None
    entry: tuple[int, ...] | None = None
    a_value: Any = None
    b_value: Any = None


_Values = tuple[list[Any], list[Any], dict[Any, Any]]


class _Sampler:
    """Samples one prepared problem with one seed and one tolerance."""

    def __init__(
        self,
        problem: _Problem,
        seed: int,
        rtol: float,
        atol: float,
        breakpoints: _Breakpoints | None = None,
    ) -> None:
        self.problem = problem
        self.seed = seed
        self.rtol = rtol
        self.atol = atol
        self.breakpoints = _Breakpoints() if breakpoints is None else breakpoints
        self.fast: bool | None = None  # whether evalf(subs=...) suits both sides
        self.strict = False  # confirm differences at _STABLE_DIGITS too (probe points)

    def close(self, a: mpmath.mpc, b: mpmath.mpc) -> bool:
        """Whether ``|a - b| <= atol + rtol * max(|a|, |b|)``."""
        return bool(abs(a - b) <= self.atol + self.rtol * max(abs(a), abs(b)))

    def fast_values(self, exact: Mapping[Any, Any], point: dict[Any, Any]) -> Any:
        """Both sides by ``evalf(subs=...)``: values, None where undefined, or ``_SLOW``."""
        if self.fast is None:
            sides = self.problem.a_num + self.problem.b_num
            self.fast = all(_fast_enough(e) for e in sides)
        if not self.fast:
            return _SLOW
        a_vals, b_vals = [], []
        for ea, eb in zip(self.problem.a_num, self.problem.b_num, strict=True):
            va, vb = _fast_number(ea, exact, _DIGITS), _fast_number(eb, exact, _DIGITS)
            if va is _SLOW or vb is _SLOW:
                return _SLOW
            if va is None or vb is None:
                return None
            a_vals.append(va)
            b_vals.append(vb)
        return a_vals, b_vals, dict(point)

    def with_sample(self, a: list[Any], b: list[Any], index: int, full: dict[Any, Any]) -> Any:
        """Finite sums over an indexed sample ``x[i]`` expanded, the sample values drawn."""
        a = [e.doit() if e.has(sp.Sum, sp.Product) else e for e in a]
        b = [e.doit() if e.has(sp.Sum, sp.Product) else e for e in b]
        atoms: set[sp.Indexed] = set()
        for e in a + b:
            atoms |= e.atoms(sp.Indexed)
        if not atoms:
            return a, b
        ordered = sorted(atoms, key=sp.default_sort_key)
        values = sample_points(ordered, 1, seed=self.seed * 1_000_003 + index + 1)[0]
        full.update(values)
        exact = {s: _exact(v) for s, v in values.items()}
        return [e.xreplace(exact) for e in a], [e.xreplace(exact) for e in b]

    def at_point(
        self, point: dict[Any, Any], digits: int, index: int, *, fast: bool = False
    ) -> _Values | None:
        """Both sides' entries at ``point``; None where a side is undefined.

        With ``fast``, plain expressions are evaluated by ``evalf(subs=...)``
        (no intermediate expression is built); it can return garbage instead of
        ``zoo`` exactly at a pole, so a disagreement is always confirmed with
        ``fast=False``: exact substitution, then ``evalf``.
        """
        problem = self.problem
        exact = {s: _exact(v) for s, v in point.items()}
        if fast and not problem.table:
            got = self.fast_values(exact, point)
            if got is not _SLOW:
                return got
        a = [_substitute(e, exact) for e in problem.a_num]
        b = [_substitute(e, exact) for e in problem.b_num]
        if problem.table:
            numeric = {ms: mat.xreplace(exact) for ms, mat in problem.table.items()}
            a = _flat(_scalar_of(_mat_eval(a[0], numeric))) if a else []
            b = _flat(_scalar_of(_mat_eval(b[0], numeric))) if b else []
        full = dict(point)
        if any(e.has(sp.Indexed) for e in a + b):
            a, b = self.with_sample(a, b, index, full)
        a_vals, b_vals = [], []
        for ea, eb in zip(a, b, strict=True):
            va = _number(ea, digits)
            vb = _number(eb, digits) if va is not None else None
            if va is None or vb is None:
                return None
            a_vals.append(va)
            b_vals.append(vb)
        return a_vals, b_vals, full

    def classify(self, point: dict[Any, Any], index: int) -> tuple[Any, ...]:
        """The point's class: ``("agree",)``, ``("undefined",)``, ``("error", text)``
        or ``("differ", entry index, a, b, point)``."""
        try:
            got = self.at_point(point, _DIGITS, index, fast=True)
        except NotImplementedError as exc:
            return "error", f"SymPy cannot evaluate it ({exc})"
        except (_NotNumeric, *SYMPY_FAILURES) as exc:
            return "error", str(exc) or type(exc).__name__
        if got is None:
            return ("undefined",)
        a_vals, b_vals, _ = got
        if all(self.close(va, vb) for va, vb in zip(a_vals, b_vals, strict=True)):
            return ("agree",)
        confirmed = self.confirm(point, index)
        if confirmed is None:
            return ("undefined",)
        return ("differ", *confirmed) if confirmed else ("agree",)

    def confirm(self, point: dict[Any, Any], index: int) -> tuple[Any, ...] | None:
        """Re-evaluate a disagreeing point exactly, at higher precision.

        Returns ``(entry index, a, b, point)`` when the sides still differ, ``()``
        when they agree after all, None when a side is undefined there.
        """
        got = self.exact_values(point, _CONFIRM_DIGITS, index)
        if got is None:
            return None
        a_vals, b_vals, full = got
        for k in range(len(a_vals)):
            if not self.close(a_vals[k], b_vals[k]):
                if not self.strict:
                    return k, a_vals[k], b_vals[k], full
                return self.stable(point, index, k, a_vals[k], b_vals[k], full)
        return ()

    def exact_values(self, point: dict[Any, Any], digits: int, index: int) -> _Values | None:
        """:meth:`at_point` with exact substitution; None where it is undefined or fails."""
        try:
            return self.at_point(point, digits, index)
        except (_NotNumeric, *SYMPY_FAILURES):
            return None

    def stable(
        self, point: dict[Any, Any], index: int, k: int, a: Any, b: Any, full: dict[Any, Any]
    ) -> tuple[Any, ...] | None:
        """``(k, a, b, full)`` if both values of entry ``k`` hold at :data:`_STABLE_DIGITS`.

        Far from 1 (``z = 1000`` in ``1 - 1/(1 + exp(-z))``) cancellation can eat
        more digits than :data:`_CONFIRM_DIGITS`: values that change with the
        precision are noise, and the point is skipped (None).
        """
        again = self.exact_values(point, _STABLE_DIGITS, index)
        if again is None:
            return None
        a2, b2 = again[0][k], again[1][k]
        if _same(a, a2) and _same(b, b2) and not self.close(a2, b2):
            return k, a, b, full
        return None

    def nicer(
        self, point: Mapping[Any, Any], found: tuple[Any, ...], later: list[tuple[int, Any]]
    ) -> tuple[Any, ...]:
        """A counterexample with values closer to 1 among a few later points, else ``found``."""
        rough = _roughness(point)
        candidates = sorted(
            ((_roughness(p), index, p) for index, p in later if _roughness(p) < rough),
            key=lambda c: (c[0], c[1]),
        )[:_NICER_TRIES]
        try:
            for _, index, candidate in candidates:
                result = self.classify(candidate, index)
                if result[0] == "differ":
                    return result
        except BudgetExceededError:
            pass
        return found

    def record(
        self, out: _Sampled, found: tuple[Any, ...], points: list[Any], start: int, j: int
    ) -> None:
        """The counterexample ``found`` at ``points[j]`` (or a nicer one among the later
        points, indexed from ``start``) into ``out``."""
        later = [(start + i, p) for i, p in enumerate(points) if i > j]
        k, va, vb, full = self.nicer(points[j], found, later)[1:]
        out.point, out.entry = full, self.problem.entries[k]
        out.a_value, out.b_value = _python_value(va), _python_value(vb)

    def sample(self, n: int, seconds: float, hard_seconds: float) -> _Sampled:
        """Sample until ``n`` points agree, one differs, or time is up.

        Sampling stops after ``seconds`` once ``min(n, 8)`` points are valid;
        otherwise it goes on up to ``hard_seconds``.
        """
        out = _Sampled()
        soft, hard = Deadline(seconds), Deadline(max(hard_seconds, seconds))

        def run() -> None:
            with mpmath.workdps(_CONFIRM_DIGITS + 10):
                self.rounds(out, n, soft, hard)
                if out.point is None and not out.stopped and not out.error:
                    self.probe(out)

        _, finished = hard.run(run)
        out.stopped = out.stopped or not finished
        return out

    def probe(self, out: _Sampled) -> None:
        """Points on both sides of each breakpoint and far out (:func:`.regions.probe_points`).

        They count as valid points where both sides are defined; the undefined
        ones are not counted (far out, ``log(1 - x)`` is often undefined).
        """
        coords = _coordinates(self.problem)
        sides = self.problem.a_num + self.problem.b_num
        if not coords or self.problem.table or any(e.has(*_BOUND, sp.Indexed) for e in sides):
            # Sums and integrals left unevaluated are evaluated numerically (series,
            # quadrature): far out, their error is no counterexample.
            return
        bases = sample_points(coords, 16, seed=self.seed + 104729, wide=False)
        points = probe_points(self.breakpoints, coords, bases)
        # Far out, cancellation can eat more than _CONFIRM_DIGITS digits: a difference
        # there must also hold at _STABLE_DIGITS.
        self.strict = True
        start = out.tried
        for j, point in enumerate(points):
            result = self.classify(point, start + j)
            if result[0] == "agree":
                out.valid += 1
                out.tried += 1
            elif result[0] == "differ":
                self.record(out, result, points, start, j)
                out.valid += 1
                out.tried += 1
                return

    def rounds(self, out: _Sampled, n: int, soft: Deadline, hard: Deadline) -> None:
        """Draw batches of ``n`` points into ``out`` until it is decided (see :meth:`sample`).

        The hard deadline is checked here too: outside the main thread nothing interrupts.
        """
        coords = _coordinates(self.problem)
        for batch in range(1 if not coords else _ROUNDS):
            points = sample_points(coords, n, seed=self.seed + 7919 * batch) if coords else [{}]
            start = out.tried
            for j, point in enumerate(points):
                result = self.classify(point, out.tried)
                out.tried += 1
                if result[0] == "error":
                    out.error = out.error or result[1]
                if result[0] not in ("agree", "differ"):
                    continue
                out.valid += 1
                if result[0] == "differ":
                    self.record(out, result, points, start, j)
                    return
                if out.valid >= n:
                    return
                if hard.expired or (out.valid >= min(n, _MIN_VALID) and soft.expired):
                    out.stopped = True
                    return
