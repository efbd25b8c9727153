"""Check hand derivations: is the claimed result equal to the expected one?

======================  =================================================================
function                returns
======================  =================================================================
:func:`check`           a :class:`~symml.Verdict`: truthy iff ``claimed`` equals
                        ``expected``, with a counterexample point when not
:func:`check_steps`     (in ``steps.py``) a :class:`StepsVerdict` for a chain
                        ``e0 = e1 = ... = ek``: the first step that does not follow
======================  =================================================================

How it works
------------
1. Both sides become SymPy objects: Derivations give their result, lists and
   NumPy arrays become matrices, unevaluated ``Derivative`` objects are
   evaluated (``Integral``, ``Sum`` and ``Limit`` too, within the time budget;
   otherwise they are evaluated numerically), ``O(...)`` terms are dropped
   (with a note). ``MatrixSymbol`` entries are real numbers; symbolic
   dimensions such as ``n`` are set to small sizes (reported in the notes).
   A derivative of a scalar with respect to a ``MatrixSymbol`` is taken entry
   by entry -- SymPy's own matrix calculus is not trusted (SymPy 1.14 returns
   ``0`` for d/dv of ``(v.T*A*v)[0, 0]``). Undefined functions ``f(x)`` are
   replaced by a fixed, seeded random smooth function for the numeric part.
   Sums over an indexed sample ``x[i]`` are expanded at each point, with a
   sampled length and sampled values.
2. **Cheap proofs first.** Two sides that are polynomials with rational
   coefficients are evaluated exactly at random integer points, one pass over
   each expression however large its expansion: identical values prove the
   identity (Schwartz-Zippel, error probability below ``1e-50``). Sides with
   piecewise constructs (``Abs``, ``sign``, ``Heaviside``, ``Max``, ``Min``,
   ``Piecewise``, ``floor``, ``ceiling``, ``frac``) are analysed region by
   region (:mod:`.regions`): their breakpoints cut the real line (or space)
   into regions where every construct takes one branch, and when the
   difference is zero on each region the claim is proved ("proved region by
   region", boundaries excepted). Otherwise ``expand`` of the difference is
   tried (a few milliseconds). A proof here needs no sampling.
3. **Numeric sampling decides "different".** Both sides are evaluated at ``n``
   random points that respect each symbol's assumptions (see
   :func:`symml._core.sample_points`: integers for integer symbols,
   positive values on a log scale, reals of both signs up to ``|x| = 50``,
   complex values for symbols without assumptions), with SymPy/mpmath at 30
   digits and adaptive precision, so cancellation, complex values and branch
   cuts are handled faithfully. Then at *probe* points: on both sides of every
   breakpoint the region analysis found (near it and far from it), and far
   out (``|x|`` = 1e3, 1e6, 1e9) for every real symbol, so a claim that differs
   only past a breakpoint (clipping at 1000) is caught. Points where either
   side is undefined (``nan``, ``zoo``, division by zero) are skipped and more
   points are drawn. A point where the sides differ is re-evaluated exactly
   (values substituted as rationals) at 60 and at 150 digits before it is
   reported: values that change with the precision are noise, not a
   counterexample. Among a few such points the one with values closest to 1
   is reported. When sampling cannot decide on polynomial sides, an integer
   point where their exact values differ is the counterexample.
4. **A symbolic proof upgrades "agree at every point" to "proved".** When all
   points agree, ``expand`` and then ``simplify`` of the difference are tried
   within the budget; ``method`` is ``"symbolic"`` if the difference
   simplifies to zero. Otherwise only sampling decided: the verdict is truthy
   (``method == "numeric"``, ``sampled == True``, ``proved == False``) and
   reads ``agrees at N points (no proof)``, with a note saying why (no proof
   found, or the budget ran out). With too few points where both sides are
   defined and no proof, the verdict is falsy with ``method ==
   "inconclusive"``.

Two values ``a``, ``b`` agree when ``|a - b| <= atol + rtol * max(|a|, |b|)``:
relative tolerance with an absolute floor (for values near zero).

Time: a verdict takes about ``budget`` seconds at most. Evaluating integrals
and sums may use up to 40 % of it, numeric sampling up to 60 % (it stops early
once ``n`` points agree, usually within milliseconds), and the symbolic proof
gets whatever is left. Interruption uses ``SIGALRM`` in the main thread
(Jupyter, scripts, pytest) and a watchdog thread elsewhere (a thread pool, a web
server), so ``simplify`` runs under the budget in any thread. A caller's own
``SIGALRM`` timer is respected: when it ends first, its handler runs and its
exception passes through ``check`` (only what SymPy raises for "cannot do
this", ``prepare.SYMPY_FAILURES``, counts as a failed attempt).

Equations: ``check(Eq(a, b))`` asks whether ``a = b`` is an identity.
``check(Eq(a, b), Eq(c, d))`` compares ``a - b`` with ``c - d`` (or with
``d - c``: the side order does not matter) -- so ``Eq(2*x, 2)`` and ``Eq(x, 1)``
are *not* equivalent here, divide through first. ``check(Eq(w, s), t)``
compares the right-hand side ``s`` with ``t`` (with a note).

Examples
--------
>>> import sympy as sp
>>> from symml import check
>>> x = sp.Symbol("x", real=True)
>>> bool(check(sp.Derivative(sp.sin(x**2), x), 2*x*sp.cos(x**2)))
True
>>> v = check(sp.sqrt(x**2), x)
>>> bool(v), v.counterexample[x] < 0
(False, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import sympy as sp

from .._core import (
    CHECK_BUDGET,
    ArgumentError,
    Deadline,
    Verdict,
    as_budget,
    bad_argument,
)
from .polynomials import _differing_point
from .prepare import _Inconclusive, _pair, _prepare, _Problem, _to_sympy
from .prove import _expand_proof, _polynomial_proof, _prove
from .regions import analyse, regions_note
from .sample import _DIGITS, _MIN_VALID, _Sampled, _Sampler, _user_point

__all__ = ["SizedVerdict", "check"]

_PREPARE_SHARE = 0.4  # of the budget, at most, for evaluating integrals and sums
_NUMERIC_SHARE = 0.6  # of the budget, at most, for numeric sampling
_MIN_EVIDENCE_SECONDS = 2.0  # sampling may use this long to reach min(n, _MIN_VALID) points
_REGIONS_SHARE = 0.3  # of the time left, at most, for the region analysis of piecewise sides
_EXPAND_SHARE = 0.025  # of the budget, at most, for expand() before sampling


@dataclass(frozen=True)
class _Options:
    """The validated options of :func:`check` (and of each step of ``check_steps``)."""

    symbols: Any
    n: int
    seed: int
    rtol: float
    atol: float

    @classmethod
    def make(cls, *, symbols: Any, n: Any, seed: Any, rtol: Any, atol: Any) -> _Options:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ArgumentError(
                bad_argument("n", n, "use a positive number of sample points, e.g. n=40")
            )
        for name, value in (("rtol", rtol), ("atol", atol)):
            if not isinstance(value, (int, float)) or not value >= 0 or math.isinf(value):
                raise ArgumentError(bad_argument(name, value, "use a small non-negative number"))
        return cls(symbols, int(n), int(seed), float(rtol), float(atol))


@dataclass(frozen=True)
class SizedVerdict(Verdict):
    """A :class:`~symml.Verdict` on matrices of symbolic shape, checked at concrete sizes.

    ``check`` sets symbolic dimensions such as ``n`` to small sizes; ``sizes``
    says which (``{n: 2}``), and so does the message. The counterexample is
    keyed by the user's own ``MatrixSymbol`` (of shape ``(n, n)``, say), its
    value a matrix of the concrete size.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import check
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> X = sp.MatrixSymbol("X", n, n)
    >>> v = check(X * X.T, X.T * X)
    >>> v.sizes, v.counterexample[X].shape
    ({n: 2}, (2, 2))
    >>> print(v)                                        # doctest: +ELLIPSIS
    not equivalent (numeric): with n = 2, at X = [[...]] in entry (0, 0) the claimed side ...
    """

    sizes: Mapping[sp.Symbol, int] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """:attr:`Verdict.message`, saying at which sizes the check was done."""
        text = super().message
        if not self.sizes or self.method == "inconclusive":
            return text
        dims = "with " + ", ".join(f"{s} = {v}" for s, v in self.sizes.items())
        head = f"not equivalent ({self.method}): "
        if not self.equivalent and text.startswith(head):
            return f"{head}{dims}, {text.removeprefix(head)}"
        return f"{text} {dims}"


def _sized_verdict(verdict: Verdict, sizes: Mapping[sp.Symbol, int]) -> Verdict:
    """``verdict`` as a :class:`SizedVerdict` when matrix dimensions were set to ``sizes``."""
    if not sizes:
        return verdict
    values = {f.name: getattr(verdict, f.name) for f in fields(Verdict)}
    return SizedVerdict(**values, sizes=dict(sizes))


def _valid_budget(budget: Any) -> float:
    """``budget`` as seconds (:func:`~symml._core.as_budget`), finite."""
    seconds = as_budget(budget)
    if math.isinf(seconds):
        raise ArgumentError(bad_argument("budget", budget, "give a finite number of seconds"))
    return seconds


def _infinite_constant(problem: _Problem) -> tuple[int, Any, Any] | None:
    """For constants: an entry where one side is infinite and the other is not."""
    if problem.table:
        return None
    infinities = (sp.oo, -sp.oo, sp.zoo)
    for k, (a, b) in enumerate(zip(problem.a_num, problem.b_num, strict=True)):
        if a.free_symbols or b.free_symbols:
            return None
        va, vb = a.evalf(_DIGITS), b.evalf(_DIGITS)
        if sp.nan in (va, vb):
            continue
        if (va in infinities or vb in infinities) and va != vb:
            return k, va, vb
    return None


def _counterexample(problem: _Problem, sampled: _Sampled) -> Verdict | None:
    """The "not equivalent" verdict when sampling found a point (or an infinite constant)."""
    base = {"claimed": problem.claimed, "expected": problem.expected, "notes": tuple(problem.notes)}
    if sampled.point is not None:
        return Verdict(
            False,
            "numeric",
            counterexample=_user_point(problem, sampled.point),
            claimed_value=sampled.a_value,
            expected_value=sampled.b_value,
            points=sampled.valid,
            entry=sampled.entry,
            **base,
        )
    infinite = _infinite_constant(problem) if sampled.valid == 0 and sampled.tried == 1 else None
    if infinite is None:
        return None
    k, va, vb = infinite
    return Verdict(
        False,
        "numeric",
        counterexample={},
        claimed_value=va,
        expected_value=vb,
        points=1,
        entry=problem.entries[k],
        **base,
    )


def _enough(sampled: _Sampled, n: int) -> bool:
    """Whether enough sampled points were valid for sampling to decide."""
    return sampled.valid >= min(n, _MIN_VALID) or (sampled.valid >= 1 and sampled.tried == 1)


def _exact_counterexample(problem: _Problem, sampled: _Sampled, seed: int) -> Verdict | None:
    """When sampling could not decide: an integer point where two polynomial sides differ.

    Sampling evaluates a large polynomial slowly (``evalf`` of thousands of
    terms); exact evaluation at integer points is fast, and a difference found
    there is certain.
    """
    if problem.table:
        return None
    for k, (a, b) in enumerate(zip(problem.a, problem.b, strict=True)):
        found = _differing_point(a, b, seed)
        if found is None:
            continue
        point, va, vb = found
        return Verdict(
            False,
            "symbolic",
            claimed=problem.claimed,
            expected=problem.expected,
            counterexample=_user_point(problem, point),
            claimed_value=sp.Rational(va.numerator, va.denominator),
            expected_value=sp.Rational(vb.numerator, vb.denominator),
            notes=(
                *problem.notes,
                "the sides are different polynomials: their exact values differ at this point",
            ),
            points=sampled.valid,
            entry=problem.entries[k],
        )
    return None


def _without_counterexample(
    problem: _Problem, sampled: _Sampled, status: str, n: int, budget: float
) -> Verdict:
    """The verdict when every valid point agreed: proved, numeric, or inconclusive."""
    notes = problem.notes
    base = {"claimed": problem.claimed, "expected": problem.expected, "points": sampled.valid}
    enough = _enough(sampled, n)
    if sampled.valid < sampled.tried and enough:
        notes.append(
            f"{sampled.tried - sampled.valid} of {sampled.tried} sampled points were skipped "
            "(a side was undefined there)"
        )
    if status == "proved":
        return Verdict(True, "symbolic", notes=tuple(notes), **base)
    if not enough:
        why = (
            f"only {sampled.valid} of {sampled.tried} sampled points gave finite values on "
            "both sides"
        )
        if sampled.error:
            why += f"; could not evaluate numerically: {sampled.error}"
        notes.insert(0, f"inconclusive: {why}, and no symbolic proof was found")
        return Verdict(False, "inconclusive", notes=tuple(notes), **base)
    if status == "timeout":
        notes.append(
            f"simplification ran out of its {budget:.3g} s budget; numeric sampling "
            f"decided ({sampled.valid} points agree)"
        )
    else:
        notes.append(
            f"no symbolic proof found; numeric sampling decided ({sampled.valid} points agree)"
        )
    return Verdict(True, "numeric", notes=tuple(notes), sampled=True, **base)


def _proved(problem: _Problem, *how: str) -> Verdict:
    """The verdict "proved" (``method="symbolic"``), with the problem's notes and ``how``."""
    return Verdict(
        True,
        "symbolic",
        claimed=problem.claimed,
        expected=problem.expected,
        notes=(*problem.notes, *how),
    )


def _decide(problem: _Problem, options: _Options, budget: float, deadline: Deadline) -> Verdict:
    """Sample, then try to prove: the verdict on a prepared problem."""
    if not problem.a:
        return _proved(problem)
    pairs = [] if problem.table else list(zip(problem.a, problem.b, strict=True))
    proof = _polynomial_proof(pairs, deadline, options.seed)
    if proof is not None:
        return _proved(problem, proof)
    regions = analyse(pairs, deadline, options.seed, _REGIONS_SHARE)
    if regions.status == "proved":
        return _proved(problem, regions_note(regions))
    if regions.status == "none" and _expand_proof(problem, deadline, _EXPAND_SHARE * budget):
        return _proved(problem, "proved: the difference expands to zero")
    left = max(deadline.left(), 0.05 * budget)
    # The sampled points are the evidence: a tight or shared budget on a loaded
    # machine may stretch to _MIN_EVIDENCE_SECONDS to reach min(n, 8) points.
    sampler = _Sampler(problem, options.seed, options.rtol, options.atol, regions.breakpoints)
    sampled = sampler.sample(
        options.n, min(_NUMERIC_SHARE * budget, left), max(left, _MIN_EVIDENCE_SECONDS)
    )
    found = _counterexample(problem, sampled)
    if found is None and not _enough(sampled, options.n):
        found, _ = Deadline(max(deadline.left(), 1.0)).run(
            lambda: _exact_counterexample(problem, sampled, options.seed)
        )
    if found is not None:
        return found
    if sampled.stopped:
        problem.notes.append(
            f"numeric sampling ran out of time after {sampled.valid} valid points "
            f"({sampled.tried} tried)"
        )
    status = _prove(problem, deadline)
    if status != "proved" and regions.status in ("unproved", "timeout"):
        problem.notes.append(f"no proof region by region: {regions.why}")
    return _without_counterexample(problem, sampled, status, options.n, budget)


def _sides(claimed: Any, expected: Any, names: tuple[str, str], notes: list[str]) -> tuple:
    """``(left, right, both were equations)``: the two expressions to compare."""
    left = _to_sympy(claimed, names[0])
    if expected is not None:
        return _pair(left, _to_sympy(expected, names[1]), notes)
    if not isinstance(left, sp.Equality):
        raise ArgumentError(
            bad_argument(
                names[1], None, "give the expected result, or pass an equation Eq(lhs, rhs)"
            )
        )
    return left.lhs, left.rhs, False


def _swapped(
    left: Any, right: Any, options: _Options, budget: float, notes: list[str]
) -> Verdict | None:
    """The equations' verdict with one side order swapped, when that one holds."""
    try:
        flipped = _prepare(
            left, -right, options.symbols, options.seed, Deadline(_PREPARE_SHARE * budget), notes
        )
    except _Inconclusive:
        return None
    other = _decide(flipped, options, budget, Deadline(budget))
    if not other:
        return None
    return Verdict(
        True,
        other.method,
        claimed=other.claimed,
        expected=-other.expected,
        notes=(*other.notes, "the equations agree with their sides swapped"),
        points=other.points,
        sampled=other.sampled,
    )


def _polynomial_pairs(left: Any, right: Any) -> list[tuple[sp.Basic, sp.Basic]]:
    """The entries to compare when both sides are plain expressions or explicit matrices
    of one shape (else none): candidates for :func:`~.prove._polynomial_proof`."""
    if isinstance(left, sp.Expr) and isinstance(right, sp.Expr):
        pairs = [(left, right)]
    elif (
        isinstance(left, sp.MatrixBase)
        and isinstance(right, sp.MatrixBase)
        and left.shape == right.shape
    ):
        pairs = list(zip(left, right, strict=True))
    else:
        return []
    return [(a, b) for a, b in pairs if a != b]


def _check(
    claimed: Any,
    expected: Any,
    options: _Options,
    budget: float,
    names: tuple[str, str] = ("claimed", "expected"),
) -> Verdict:
    """:func:`check` with validated options; ``names`` name the sides in errors."""
    deadline = Deadline(budget)
    notes: list[str] = []
    left, right, both_eqs = _sides(claimed, expected, names, notes)
    proof = _polynomial_proof(_polynomial_pairs(left, right), deadline, options.seed)
    if proof is not None:
        # Plain polynomials: proved before preparing (each pass over a large one costs).
        return Verdict(True, "symbolic", claimed=left, expected=right, notes=(*notes, proof))
    try:
        problem = _prepare(
            left, right, options.symbols, options.seed, Deadline(_PREPARE_SHARE * budget), [*notes]
        )
    except _Inconclusive as exc:
        return Verdict(
            False, "inconclusive", claimed=left, expected=right, notes=(f"inconclusive: {exc}",)
        )
    verdict = _decide(problem, options, budget, deadline)
    if both_eqs and not verdict and verdict.method != "inconclusive":
        # The same equation with its sides swapped is the same equation.
        retry = max(deadline.left(), 0.25 * budget)
        verdict = _swapped(left, right, options, retry, [*notes]) or verdict
    return _sized_verdict(verdict, problem.sizes)


def check(
    claimed: Any,
    expected: Any = None,
    *,
    symbols: Sequence[sp.Symbol] | Mapping[sp.Symbol, Any] | None = None,
    n: int = 40,
    seed: int = 0,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    budget: float = CHECK_BUDGET,
) -> Verdict:
    """Whether ``claimed`` equals ``expected``, with a counterexample when not.

    Parameters
    ----------
    claimed, expected : expression, Matrix, Eq, Derivation or number
        The two sides. Unevaluated ``Derivative``, ``Integral`` and ``Sum``
        objects are evaluated; matrices (and lists, NumPy arrays) are compared
        entry by entry; ``MatrixSymbol`` expressions are made explicit. With
        ``expected`` omitted, ``claimed`` must be an equation ``Eq(lhs, rhs)``
        and the question is whether it is an identity. See the module
        documentation for how equations are compared.
    symbols : list of Symbol, or dict Symbol -> assumptions, optional
        A list puts these symbols first in the counterexample. A dict samples
        a symbol as if it had the given assumptions, e.g.
        ``{x: "positive"}`` or ``{x: {"integer": True}}``. By default every
        free symbol is sampled according to its own assumptions.
    n : int
        Number of sample points that must agree.
    seed : int
        Seed of the sample points (same seed, same verdict).
    rtol, atol : float
        Values ``a``, ``b`` agree when ``|a - b| <= atol + rtol * max(|a|, |b|)``.
    budget : float, default CHECK_BUDGET (2 s)
        Seconds for the verdict: evaluating integrals and sums, numeric
        sampling and the symbolic proof share it (sampling may stretch to 2 s
        to collect enough points on a loaded machine).

    Returns
    -------
    Verdict
        Truthy iff equivalent. ``method`` is ``"symbolic"`` (proved: by
        simplification, exact polynomial evaluation, or region by region for
        piecewise sides), ``"numeric"`` (all points agree, or a counterexample
        was found) or ``"inconclusive"`` (too few points where both sides are
        defined, and no proof; falsy). A truthy ``"numeric"`` verdict is no
        proof: ``sampled`` is True, ``proved`` is False and it reads ``agrees
        at N points (no proof)``. When not equivalent: ``counterexample`` (a point,
        with ``MatrixSymbol`` values as matrices), ``claimed_value``,
        ``expected_value`` and, for matrices, ``entry``. ``notes`` says what
        fallbacks happened. With symbolic matrix dimensions (``n``) it is a
        :class:`SizedVerdict`: ``sizes`` (``{n: 2}``) gives the sizes checked,
        and the counterexample is keyed by your own ``MatrixSymbol``.

    Raises
    ------
    ArgumentError
        A side is a string (use :func:`symml.parse_expr`), not a SymPy object,
        or an inequality; an option has a bad value.
    ShapeError
        The two sides have different shapes.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import check
    >>> x = sp.Symbol("x", real=True)
    >>> check(sp.sin(x)**2 + sp.cos(x)**2, 1)
    Verdict(equivalent=True, method='symbolic', ...)
    >>> v = check(sp.Derivative(sp.sin(x**2), x), -2*x*sp.cos(x**2))
    >>> bool(v), v.method
    (False, 'numeric')
    >>> pt = v.counterexample
    >>> abs(float(sp.diff(sp.sin(x**2), x).subs(pt)) - v.claimed_value) < 1e-9
    True

    Assumptions matter: the logarithm rule needs positive arguments.

    >>> p, q = sp.symbols("p q", positive=True)
    >>> bool(check(sp.log(p*q), sp.log(p) + sp.log(q)))
    True
    >>> a, b = sp.symbols("a b", real=True)
    >>> bool(check(sp.log(a*b), sp.log(a) + sp.log(b)))
    False

    Piecewise claims are proved region by region, and sampled on both sides of
    every breakpoint (here ``x = 1000``, far beyond the random points):

    >>> relu = sp.Max(x, 0)
    >>> check(sp.Derivative(relu, x), sp.Piecewise((1, x > 0), (0, True))).method
    'symbolic'
    >>> check(sp.Min(x, 1000), x).counterexample[x] > 1000
    True

    When only sampling decided, the verdict is truthy but says it is no proof:

    >>> v = check(x * (1 + sp.Float("1e-12")), x)
    >>> print(v)
    agrees at 46 points (no proof)
    >>> bool(v), v.proved
    (True, False)

    Matrices are compared entry by entry:

    >>> check(sp.Matrix([[x, 1], [0, x]]), sp.Matrix([[x, 1], [1, x]])).entry
    (1, 0)
    """
    options = _Options.make(symbols=symbols, n=n, seed=seed, rtol=rtol, atol=atol)
    return _check(claimed, expected, options, _valid_budget(budget))
