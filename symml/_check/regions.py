"""Piecewise claims region by region: the breakpoints of both sides, and a proof on each region.

``Abs``, ``sign``, ``Heaviside``, ``Max``, ``Min`` and ``Piecewise`` switch between
formulas where an expression (an *atom*) changes sign: ``Abs(u)`` at ``u = 0``,
``Max(a, b)`` at ``a - b = 0``, ``Piecewise((f, x <= 400), ...)`` at ``x - 400 = 0``.
:func:`_analyse` walks the difference ``claimed - expected`` and cuts the space of
its symbols into regions on which every switch takes one branch:

* an atom that is a rational function of one real symbol ``t`` is decided by
  intervals: its real roots and poles cut the current interval of ``t``, and on each
  open piece its sign is the sign at a representative point (exact roots by
  ``Poly.real_roots``, so the cut is complete); so is an atom continuous in ``t``
  (``exp(x) - 2``) whose real roots ``solveset`` gives as a finite set;
* any other real atom is decided by cases: ``u > 0`` and ``u < 0`` (an atom that is
  not identically zero vanishes on a set of measure zero). A case whose signs
  contradict each other (``a > b``, ``b > c``, ``c > a`` inside one ``Max``) holds
  vacuously.

Atoms in integer symbols are refused: ``k = 3`` is a boundary but no set of measure
zero. Nested switches are resolved from the inside out. ``floor(u)`` (``ceiling``,
``frac`` rewritten through it) is replaced by a fresh integer symbol: an identity
that holds for every integer there holds for ``floor(u)`` too (a switch on it is
refused, as above). On each region the difference,
free of switches, must simplify to zero: then the two sides agree everywhere except
on the boundaries (a set of measure zero), and the claim is *proved region by region*.

The roots found (``x = 400``) and the boundaries solved for a symbol that enters
linearly (``w = 1/(x*y)`` for ``Max(0, 1 - w*x*y)``) are kept as
:class:`_Breakpoints`: the sampler evaluates both sides on both sides of each, near
and far (:mod:`.sample`), so a claim that differs only past a breakpoint is caught.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from sympy.logic.boolalg import BooleanAtom

from .._core import Deadline
from .prepare import SYMPY_FAILURES, _attempt

SWITCHES = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.Piecewise)
_STEPS = (sp.floor, sp.ceiling, sp.frac)
_MAX_LEAVES = 256  # regions examined at most
_MAX_BRANCH_ATOMS = 8  # atoms decided by cases along one path
_LOGIC = (sp.And, sp.Or, sp.Not)
_INFEASIBLE = object()  # marker: a case whose signs contradict each other


class _GiveUp(Exception):
    """The region analysis cannot go on (an unsupported construct, too many regions)."""


class _OutOfTime(_GiveUp):
    """The region analysis ran out of its time."""


def has_switches(expr: Any) -> bool:
    """Whether ``expr`` holds a piecewise construct (``Abs``, ``Max``, ``floor``, ...)."""
    return isinstance(expr, sp.Basic) and expr.has(*SWITCHES, *_STEPS)


@dataclass
class _Breakpoints:
    """Where the sides switch: roots per symbol, and boundaries solved for one symbol."""

    roots: dict[sp.Symbol, set[sp.Float]] = field(default_factory=dict)
    lines: list[tuple[sp.Symbol, sp.Expr]] = field(default_factory=list)

    def add_root(self, sym: sp.Symbol, value: Any) -> None:
        self.roots.setdefault(sym, set()).add(sp.Float(value, 30))

    def add_line(self, sym: sp.Symbol, solution: sp.Expr) -> None:
        if (sym, solution) not in self.lines and len(self.lines) < 16:
            self.lines.append((sym, solution))


@dataclass
class _Regions:
    """What the region analysis found: ``status``, regions proved, breakpoints."""

    status: str = "none"  # "proved", "unproved", "timeout", or "none" (no switches)
    regions: int = 0
    breakpoints: _Breakpoints = field(default_factory=_Breakpoints)
    cuts: _Breakpoints = field(default_factory=_Breakpoints)  # where the proof cut
    why: str = ""


# -- atoms and their signs -------------------------------------------------------


def _relations(cond: Any) -> list[sp.Rel]:
    """The relations a ``Piecewise`` condition is built from; ``_GiveUp`` for other logic."""
    if isinstance(cond, BooleanAtom):
        return []
    if isinstance(cond, sp.Rel):
        return [cond]
    if isinstance(cond, _LOGIC):
        return [r for arg in cond.args for r in _relations(arg)]
    raise _GiveUp(f"a Piecewise condition {cond} is not built from inequalities")


def _atoms(node: sp.Basic) -> list[sp.Expr]:
    """The expressions whose signs decide which branch ``node`` takes."""
    if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
        return [node.args[0]]
    if isinstance(node, (sp.Max, sp.Min)):
        args = node.args
        return [args[i] - args[j] for i in range(len(args)) for j in range(i + 1, len(args))]
    out = []
    for _, cond in node.args:
        out.extend(r.lhs - r.rhs for r in _relations(cond))
    return out


def _canon(u: sp.Expr) -> tuple[sp.Expr, int]:
    """``(key, s)`` with ``sign(u) = s * sign(key)``: ``u`` and ``-2*u`` share a key."""
    coeff, rest = sp.factor_terms(u).as_coeff_Mul()
    if rest.could_extract_minus_sign():
        coeff, rest = -coeff, -rest
    return rest, (1 if coeff > 0 else -1)


def _number_sign(value: Any) -> int:
    """The sign of a number, decided at 30 digits; ``_GiveUp`` when too close to zero."""
    if value == 0:
        return 0
    number = sp.N(value, 30)
    if not number.is_real:
        raise _GiveUp(f"{value} is not real")
    if abs(number) < sp.Float("1e-25"):
        raise _GiveUp(f"cannot decide the sign of {value}")
    return 1 if number > 0 else -1


def _only_real_symbol(u: sp.Expr) -> sp.Symbol | None:
    """The one free symbol of ``u`` when there is exactly one and it is real, else None."""
    free = u.free_symbols
    if len(free) != 1:
        return None
    (t,) = free
    return t if t.is_real is True else None


def _univariate(u: sp.Expr) -> tuple[sp.Symbol, sp.Poly, sp.Poly] | None:
    """``(t, numerator, denominator)`` when ``u`` is a rational function of one real symbol."""
    t = _only_real_symbol(u)
    if t is None:
        return None
    num, den = sp.fraction(sp.together(u))
    if not (num.is_polynomial(t) and den.is_polynomial(t)):
        return None
    try:
        return t, sp.Poly(num, t), sp.Poly(den, t)
    except sp.PolynomialError:
        return None


#: Functions continuous on the whole real line: an expression built from them (and
#: sums, products, nonnegative integer powers) changes sign only at its real roots.
_CONTINUOUS = (sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.tanh, sp.atan, sp.erf)


def _continuous_roots(u: sp.Expr, deadline: Deadline) -> tuple[sp.Symbol, list[sp.Float]] | None:
    """``(t, roots)`` for ``u`` continuous in one real symbol ``t`` with finitely many real
    roots that ``solveset`` finds (``exp(x) - 2``: ``x = log(2)``); else None."""
    t = _only_real_symbol(u)
    if t is None:
        return None
    for node in sp.preorder_traversal(u):
        if isinstance(node, sp.Pow):
            if not (node.exp.is_Integer and node.exp >= 0):
                return None
        elif not (node.is_Atom or isinstance(node, (sp.Add, sp.Mul, *_CONTINUOUS))):
            return None
    cap = min(0.2, max(deadline.left() / 4, 0.01))
    roots, status = _attempt(Deadline(cap), lambda: sp.solveset(u, t, sp.S.Reals))
    if status != "ok" or not isinstance(roots, sp.FiniteSet):
        return None
    values = [r.evalf(30) for r in roots]
    if not all(v.is_number and v.is_real for v in values):
        return None
    return t, [sp.Float(v, 30) for v in values]


def _real_roots(poly: sp.Poly) -> list[sp.Float]:
    if poly.degree() <= 0:
        return []
    return [sp.Float(r.evalf(30), 30) for r in poly.real_roots()]


def _linear_solution(u: sp.Expr) -> tuple[sp.Symbol, sp.Expr] | None:
    """``(s, e)``: ``u = 0`` solved as ``s = e`` for a real symbol ``s`` that enters linearly."""
    for s in sorted(u.free_symbols, key=sp.default_sort_key):
        if s.is_real is not True:
            continue
        try:
            poly = sp.Poly(u, s)
        except sp.PolynomialError:
            continue
        if poly.degree() == 1:
            a, b = poly.all_coeffs()
            return s, sp.cancel(-b / a)
    return None


def _not_identically_zero(u: sp.Expr, seed: int) -> None:
    """``_GiveUp`` unless ``u`` is nonzero somewhere (then its zero set has measure zero)."""
    rng = np.random.default_rng(seed)
    syms = sorted(u.free_symbols, key=sp.default_sort_key)
    for _ in range(3):
        point = {
            s: sp.Integer(int(rng.integers(-5, 6)))
            if s.is_integer
            else sp.Rational(round(float(rng.uniform(-3, 3)), 4))
            for s in syms
        }
        value = u.xreplace(point).evalf(30)
        if value.is_number and value.is_finite and abs(value) > 1e-20:
            return
    raise _GiveUp(f"cannot tell that {u} is not identically zero")


# -- resolving switches ------------------------------------------------------------


def _truth(cond: Any, sign_of: Any) -> bool:
    """The truth of a condition, given the signs of its relations' differences."""
    if isinstance(cond, BooleanAtom):
        return bool(cond)
    if isinstance(cond, sp.Not):
        return not _truth(cond.args[0], sign_of)
    if isinstance(cond, sp.And):
        return all(_truth(a, sign_of) for a in cond.args)
    if isinstance(cond, sp.Or):
        return any(_truth(a, sign_of) for a in cond.args)
    s = sign_of(cond.lhs - cond.rhs)
    return {
        ">": s > 0,
        ">=": s >= 0,
        "<": s < 0,
        "<=": s <= 0,
        "==": s == 0,
        "!=": s != 0,
    }[cond.rel_op]


def _branch(node: sp.Basic, sign_of: Any) -> Any:
    """The branch ``node`` takes where its atoms have the signs ``sign_of`` gives."""
    if isinstance(node, sp.Abs):
        return sign_of(node.args[0]) * node.args[0]
    if isinstance(node, sp.sign):
        return sp.Integer(sign_of(node.args[0]))
    if isinstance(node, sp.Heaviside):
        s = sign_of(node.args[0])
        return node if s == 0 else sp.Integer(1 if s > 0 else 0)
    if isinstance(node, (sp.Max, sp.Min)):
        args, want = node.args, (1 if isinstance(node, sp.Max) else -1)
        for i, a in enumerate(args):
            if all(j == i or sign_of(a - b) * want >= 0 for j, b in enumerate(args)):
                return a
        return _INFEASIBLE
    for expr, cond in node.args:
        if _truth(cond, sign_of):
            return expr
    return sp.nan


def _innermost(expr: sp.Basic) -> list[sp.Basic]:
    """The switches in ``expr`` with no switch inside them."""
    found = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, SWITCHES) and not any(a.has(*SWITCHES) for a in node.args):
            found.append(node)
    return list(dict.fromkeys(found))


def _floors_generalised(expr: sp.Expr) -> sp.Expr:
    """``floor(u)`` (and ``ceiling``, ``frac``) replaced by fresh integer symbols."""
    if not expr.has(*_STEPS):
        return expr
    expr = expr.replace(sp.frac, lambda u: u - sp.floor(u))
    expr = expr.replace(sp.ceiling, lambda u: -sp.floor(-u))
    fresh: dict[sp.Basic, sp.Dummy] = {}

    def generic(u: sp.Expr) -> sp.Dummy:
        if u.is_real is not True:
            raise _GiveUp(f"floor of {u}, which may not be real")
        return fresh.setdefault(u, sp.Dummy("k", integer=True))

    return expr.replace(sp.floor, generic)


# -- the walk over regions -----------------------------------------------------------


@dataclass
class _Cell:
    """One region being refined: an open interval per cut symbol, a sign per case atom."""

    intervals: dict[sp.Symbol, tuple[Any, Any, sp.Rational]] = field(default_factory=dict)
    signs: dict[sp.Expr, int] = field(default_factory=dict)

    def refined(self, **changes: Any) -> _Cell:
        intervals = {**self.intervals, **changes.get("intervals", {})}
        return _Cell(intervals, {**self.signs, **changes.get("signs", {})})


class _Walk:
    """The region-by-region walk over one difference ``claimed - expected``."""

    def __init__(
        self, deadline: Deadline, seed: int, breakpoints: _Breakpoints, cut_points: _Breakpoints
    ) -> None:
        self.deadline = deadline
        self.seed = seed
        self.breakpoints = breakpoints
        self.cut_points = cut_points  # where this walk cut (for the note)
        self.leaves = 0
        self.failed: str | None = None
        self.known: dict[sp.Expr, tuple[sp.Symbol, list[sp.Float]] | None] = {}

    def cuts(self, u: sp.Expr) -> tuple[sp.Symbol, list[sp.Float]] | None:
        """``(t, points)``: ``u`` depends on one real symbol ``t`` and can change sign only
        at ``points`` (its real roots and poles); None when that is not known."""
        if u not in self.known:
            uni = _univariate(u)
            if uni is not None:
                self.known[u] = uni[0], _real_roots(uni[1]) + _real_roots(uni[2])
            else:
                self.known[u] = _continuous_roots(u, self.deadline)
        return self.known[u]

    def sign(self, u: sp.Expr, cell: _Cell) -> int | None:
        """The sign of atom ``u`` on ``cell``; None when not yet decided."""
        if not u.free_symbols:
            return _number_sign(u)
        if any(sym.is_integer for sym in u.free_symbols):
            # A boundary in an integer (k = 3, or floor(x) = 0) is no set of measure zero.
            raise _GiveUp(f"{u} = 0 is a boundary in integers")
        found = self.cuts(u)
        if found is not None:
            t, cuts = found
            if t not in cell.intervals:
                return None
            lo, hi, mid = cell.intervals[t]
            if any(lo < r < hi for r in cuts):
                return None
            return _number_sign(u.xreplace({t: mid}))
        key, s = _canon(u)
        return None if key not in cell.signs else s * cell.signs[key]

    def walk(self, expr: sp.Expr, cell: _Cell) -> None:
        """Refine ``cell`` until no switch is left in ``expr``, then check the region."""
        if self.deadline.expired:
            raise _OutOfTime("the region analysis ran out of time")
        nodes = _innermost(expr)
        if not nodes:
            self.leaf(expr, cell)
            return
        undecided: list[sp.Expr] = []

        def sign_of(u: sp.Expr) -> int:
            s = self.sign(u, cell)
            if s is None:
                undecided.append(u)
                return 0
            return s

        branches = {}
        for node in nodes:
            before = len(undecided)
            for u in _atoms(node):
                sign_of(u)
            if len(undecided) == before:
                branches[node] = _branch(node, sign_of)
        if any(b is _INFEASIBLE for b in branches.values()):
            return  # the signs of this case contradict each other: nothing to check
        branches = {n: b for n, b in branches.items() if b is not n}
        if branches:
            self.walk(expr.xreplace(branches), cell)
            return
        if not undecided:
            raise _GiveUp(f"cannot resolve {nodes[0]}")
        self.split(expr, cell, undecided)

    def split(self, expr: sp.Expr, cell: _Cell, undecided: list[sp.Expr]) -> None:
        """Cut ``cell`` by the first undecided atom (with every atom in the same symbol)."""
        first = undecided[0]
        found = self.cuts(first)
        if found is not None:
            t = found[0]
            lo, hi, _ = cell.intervals.get(t, _domain(t))
            cuts: set[sp.Float] = set()
            for u in undecided:
                other = self.cuts(u)
                if other is not None and other[0] == t:
                    cuts.update(other[1])
            inside = sorted(r for r in cuts if lo < r < hi)
            for r in inside:
                self.breakpoints.add_root(t, r)
                self.cut_points.add_root(t, r)
            for piece in _pieces(lo, hi, inside):
                self.walk(expr, cell.refined(intervals={t: piece}))
            return
        if any(s.is_real is not True for s in first.free_symbols) or first.is_real is False:
            raise _GiveUp(f"{first} may not be real")
        key, _ = _canon(first)
        if len(cell.signs) >= _MAX_BRANCH_ATOMS:
            raise _GiveUp("too many cases")
        _not_identically_zero(key, self.seed)
        solved = _linear_solution(key)
        if solved is not None:
            self.breakpoints.add_line(*solved)
        for s in (1, -1):
            self.walk(expr, cell.refined(signs={key: s}))

    def leaf(self, expr: sp.Expr, cell: _Cell) -> None:
        """Check one region: the difference there, free of switches, must be zero."""
        self.leaves += 1
        if self.leaves > _MAX_LEAVES:
            raise _GiveUp(f"more than {_MAX_LEAVES} regions")
        if self.failed is not None:
            return
        if _is_zero(expr, self.deadline, lambda: _clearly_nonzero(expr, cell, self.seed)):
            return
        self.failed = _describe(cell, expr)


def _domain(t: sp.Symbol) -> tuple[Any, Any, sp.Integer]:
    """The interval ``t`` ranges over by its sign assumptions (its end points excepted)."""
    if t.is_nonnegative:
        return sp.Integer(0), sp.oo, sp.Integer(1)
    if t.is_nonpositive:
        return -sp.oo, sp.Integer(0), sp.Integer(-1)
    return -sp.oo, sp.oo, sp.Integer(0)


def _pieces(lo: Any, hi: Any, cuts: list[sp.Float]) -> Iterable[tuple[Any, Any, sp.Rational]]:
    """The open intervals between ``lo``, the cuts and ``hi``, each with an inner point."""
    ends = [lo, *cuts, hi]
    for a, b in itertools.pairwise(ends):
        if a == -sp.oo and b == sp.oo:
            mid = sp.Integer(0)
        elif a == -sp.oo:
            mid = sp.floor(b) - 1
        elif b == sp.oo:
            mid = sp.ceiling(a) + 1
        else:
            mid = sp.Rational(str(sp.Float((a + b) / 2, 30)))
        yield a, b, sp.Rational(mid)


def _random_value(sym: sp.Symbol, rng: np.random.Generator) -> sp.Rational:
    """A value for ``sym`` that respects its sign and integer assumptions."""
    if sym.is_integer:
        value = sp.Integer(int(rng.integers(1, 6)))
    else:
        value = sp.Rational(round(float(rng.uniform(0.1, 3.0)), 4))
    if sym.is_nonnegative or (not sym.is_nonpositive and rng.random() < 0.5):
        return value
    return -value


def _clearly_nonzero(expr: sp.Expr, cell: _Cell, seed: int) -> bool:
    """Whether ``expr`` is far from zero at a point of ``cell`` (or near it): then no
    ``simplify`` could show that it is identically zero, and none is tried."""
    rng = np.random.default_rng(seed)
    point = {t: mid for t, (_, _, mid) in cell.intervals.items()}
    for sym in sorted(expr.free_symbols - set(point), key=sp.default_sort_key):
        point[sym] = _random_value(sym, rng)
    try:
        value = expr.xreplace(point).evalf(30)
        return bool(value.is_number and value.is_finite and abs(value) > 1e-10)
    except SYMPY_FAILURES:
        return False


def _is_zero(expr: sp.Expr, deadline: Deadline, nonzero: Callable[[], bool]) -> bool:
    """Whether ``expr`` (free of switches) is zero: ``expand`` first, then, unless
    ``nonzero()`` says it is clearly not, ``cancel`` and ``simplify``."""
    if expr == 0 or expr.is_zero is True:
        return True
    if expr is sp.nan or expr.has(sp.nan):
        return False
    value, status = _attempt(deadline, lambda: sp.expand(expr))
    if status == "ok" and value == 0:
        return True
    if nonzero():
        return False
    value, status = _attempt(deadline, lambda: sp.cancel(sp.together(expr)))
    if status == "ok" and value == 0:
        return True
    value, status = _attempt(deadline, lambda: sp.simplify(expr))
    return status == "ok" and value == 0


def _describe(cell: _Cell, expr: sp.Expr) -> str:
    where = [f"{lo} < {t} < {hi}" for t, (lo, hi, _) in cell.intervals.items()]
    where += [f"{k} {'>' if s > 0 else '<'} 0" for k, s in cell.signs.items()]
    text = str(expr)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"where {' and '.join(where) or 'everywhere'} the difference is {text}"


def _step_breakpoints(expr: sp.Basic, breakpoints: _Breakpoints) -> None:
    """Where ``floor``, ``ceiling`` and ``frac`` of a rational function of one symbol jump
    to or from 0 (``u = 0`` and ``u = 1``): points for sampling, not for the proof."""
    for node in expr.atoms(*_STEPS):
        u = node.args[0]
        for jump in (u, u - 1):
            uni = _univariate(jump)
            if uni is not None and uni[1].degree() <= 4:
                for r in _real_roots(uni[1]):
                    breakpoints.add_root(uni[0], r)


def _analyse(
    pairs: list[tuple[Any, Any]], deadline: Deadline, seed: int, out: _Regions
) -> _Regions:
    """The region analysis of every entry pair ``(claimed, expected)`` into ``out``
    (see the module doc); the breakpoints found so far stay there if time runs out."""
    regions = 0
    try:
        for a, b in pairs:
            if not isinstance(a, sp.Expr) or not isinstance(b, sp.Expr):
                raise _GiveUp("the sides are not expressions")
            if a.has(sp.Derivative, sp.Integral, sp.Sum, sp.Indexed) or b.has(
                sp.Derivative, sp.Integral, sp.Sum, sp.Indexed
            ):
                raise _GiveUp("unevaluated derivatives, integrals or sums")
            _step_breakpoints(a - b, out.breakpoints)
            walk = _Walk(deadline, seed, out.breakpoints, out.cuts)
            walk.walk(_floors_generalised(a - b), _Cell())
            regions += walk.leaves
            if walk.failed is not None:
                out.status, out.why = "unproved", walk.failed
                return out
    except _GiveUp as exc:
        out.status = "timeout" if isinstance(exc, _OutOfTime) else "unproved"
        out.why = str(exc)
        return out
    except SYMPY_FAILURES as exc:
        out.status, out.why = "unproved", f"SymPy failed: {exc}"
        return out
    out.status, out.regions = "proved", regions
    return out


def regions_note(regions: _Regions) -> str:
    """The note of a verdict proved region by region."""
    cuts = sorted(
        (
            (str(t), float(r), f"{t} = {_short_number(r)}")
            for t, rs in regions.cuts.roots.items()
            for r in rs
        )
    )
    points = [c[2] for c in cuts]
    cut = f" cut at {', '.join(points[:6])}{', ...' if len(points) > 6 else ''}" if points else ""
    where = f"each of {regions.regions} regions" if regions.regions != 1 else "one region"
    return (
        f"proved region by region: the sides agree on {where}{cut} "
        "(boundaries, a set of measure zero, excepted)"
    )


def _short_number(value: Any) -> str:
    number = sp.nsimplify(value, rational=False, tolerance=1e-20)
    if number.is_Rational and abs(number.q) < 1000:
        return str(number)
    return f"{float(value):.6g}"


def analyse(pairs: list[tuple[Any, Any]], deadline: Deadline, seed: int, share: float) -> _Regions:
    """:func:`_analyse` within ``share`` of what is left of ``deadline``; status "none"
    (and no clock started) when no side has a switch."""
    if not any(has_switches(a) or has_switches(b) for a, b in pairs):
        return _Regions()
    inner = Deadline(max(deadline.left() * share, 0.02))
    out = _Regions()
    _, finished = inner.run(lambda: _analyse(pairs, inner, seed, out))
    if not finished:
        out.status, out.why = "timeout", "the region analysis ran out of time"
    return out


# -- points on both sides of each breakpoint, and far out ------------------------------

_OFFSETS = (0.5, 1e-3, 10.0)  # near (absolute), nearer (relative), far (relative)
_FAR = (1e3, 1e6, 1e9)  # magnitudes every real symbol is also sampled at
_MAX_PROBES = 72


def _allowed(sym: sp.Symbol, value: float) -> bool:
    """Whether ``value`` respects the sign assumptions of ``sym``."""
    checks = (
        ("positive", value > 0),
        ("negative", value < 0),
        ("nonnegative", value >= 0),
        ("nonpositive", value <= 0),
        ("nonzero", value != 0),
    )
    return all(ok for fact, ok in checks if getattr(sym, "is_" + fact) is True)


def _around(value: float) -> list[float]:
    """Values on both sides of ``value``: near it, nearer, and far from it."""
    scale = 1.0 + abs(value)
    out = []
    for step in (_OFFSETS[0], _OFFSETS[1] * scale, _OFFSETS[2] * scale):
        out += [float(f"{value + step:.12g}"), float(f"{value - step:.12g}")]
    return out


def probe_points(
    breakpoints: _Breakpoints, coords: list[Any], bases: list[dict[Any, Any]]
) -> list[dict[Any, Any]]:
    """Points on both sides of each breakpoint, and far out for every real symbol.

    ``bases`` are random points (one per probe, cycled) giving the other coordinates.
    """
    if not bases:
        return []
    wanted: list[tuple[Any, float | sp.Expr]] = []
    for t in coords:
        for r in sorted(breakpoints.roots.get(t, ())):
            wanted += [(t, v) for v in _around(float(r))]
    wanted += [(s, sol) for s, sol in breakpoints.lines if s in coords]
    reals = [s for s in coords if isinstance(s, sp.Symbol) and s.is_real and not s.is_integer]
    wanted += [(t, sign * m) for m in _FAR for t in reals for sign in (1, -1)]
    out: list[dict[Any, Any]] = []
    for k, (t, value) in enumerate(wanted):
        base = dict(bases[k % len(bases)])
        values = [value] if isinstance(value, float) else _line_values(value, base)
        for v in values:
            if _allowed(t, v) and len(out) < _MAX_PROBES:
                out.append({**base, t: v})
    return out


def _line_values(solution: sp.Expr, base: dict[Any, Any]) -> list[float]:
    """Values on both sides of a boundary ``s = solution(others)`` at the point ``base``."""
    if not solution.free_symbols <= set(base):
        return []
    exact = {
        s: sp.Integer(v) if isinstance(v, int) else sp.Rational(repr(float(v)))
        for s, v in base.items()
        if isinstance(v, (int, float))
    }
    value = solution.xreplace(exact).evalf(30)
    if not (value.is_number and value.is_real and value.is_finite):
        return []
    return _around(float(value))
