"""Critical points: solve ``grad f = 0`` and classify by the Hessian's eigenvalues.

A symbolic answer is cross-checked by numeric root finding (see
``critical_numeric``): a solver's empty or partial list is reported as
incomplete, never as the whole. Periodic functions give families of points in
an integer parameter ``k`` (see ``critical_kinds``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.polys.polyerrors import BasePolynomialError

from .._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    BudgetExceededError,
    Deadline,
    Derivation,
    NoClosedFormError,
    Step,
    SymmlError,
    Verdict,
    as_budget,
    bad_argument,
)
from .arguments import (
    as_scalar,
    as_wrt,
    assumptions,
    grad_label,
    refuse_antiderivatives,
    short_sums_written_out,
)
from .critical_kinds import as_family, classify, integer_parameters, merge_into_lines, periods
from .critical_numeric import (
    as_region,
    confirmer,
    find_roots,
    matches,
    periodic_region,
    real_values,
)
from .derivatives import gradient, hessian

__all__ = [
    "CriticalPoint",
    "CriticalPoints",
    "critical_points",
    "is_real_solution",
]


@dataclass(frozen=True)
class CriticalPoint:
    """A stationary point of ``f`` (or a family of them) and its kind.

    Attributes
    ----------
    point : dict Symbol -> value
        May hold integer parameters (``x = pi + 2*pi*k``; see ``family``) or
        leave a variable free (a line of critical points).
    kind : str
        ``"minimum"``, ``"maximum"``, ``"saddle"`` (local; from the signs of
        the Hessian's eigenvalues), ``"degenerate"`` (a zero eigenvalue: the
        second-order test does not decide), or a conditional kind such as
        ``"minimum if a > 0 and b > 0, ..."`` when the signs depend on
        symbolic coefficients (see ``conditions``).
    eigenvalues : tuple
        Eigenvalues of the Hessian at the point (with multiplicity).
    value : sympy expression
        ``f`` at the point.
    family : tuple of Symbol
        The integer parameters of ``point`` (empty for a single point).
    conditions : tuple of (kind, condition)
        For a conditional kind, each kind with the condition on the
        coefficients under which it holds; empty otherwise.
    exact : bool
        False for a point found numerically (Float coordinates).
    """

    point: dict
    kind: str
    eigenvalues: tuple
    value: Any
    family: tuple = ()
    conditions: tuple = ()
    exact: bool = True


class CriticalPoints(Derivation):
    """A Derivation whose result lists the stationary points; iterate for the details.

    ``len()``, indexing and iteration give :class:`CriticalPoint` objects;
    ``removed`` counts the non-real solutions dropped; ``complete`` is False
    when the list is known or suspected to miss points (a solver's partial
    answer, a numeric search), and ``notes`` say why and what the list covers.
    """

    __slots__ = ("complete", "notes", "points", "removed")
    points: tuple[CriticalPoint, ...]
    removed: int
    complete: bool
    notes: tuple[str, ...]

    def __iter__(self):
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> CriticalPoint:
        return self.points[i]

    def __repr__(self) -> str:
        inner = ", ".join(f"{dict(p.point)} {p.kind}" for p in self.points)
        notes = "".join(f"; {n}" for n in self.notes)
        return f"CriticalPoints([{inner}]{notes})"

    def _make_steps(self) -> list[Step]:
        f, variables = self.source, self.wrt
        grad, hess = gradient(f, variables).result, hessian(f, variables).result
        dropped = f" (dropped {self.removed} non-real solutions)" if self.removed else ""
        notes = "".join(f"; {n}" for n in self.notes)
        out = [
            Step(grad, "gradient", lhs=grad_label(variables)),
            Step(sp.ImmutableMatrix.zeros(len(variables), 1), "set the gradient to zero", lhs=grad),
            Step(
                self.result,
                "solve for " + ", ".join(s.name for s in variables) + dropped + notes,
                lhs=sp.Tuple(*variables),
            ),
            Step(hess, "Hessian", lhs=r"\nabla^2 f"),
        ]
        for p in self.points:
            label = ", ".join(f"{sp.latex(s)}={sp.latex(v)}" for s, v in p.point.items())
            out.append(
                Step(hess.subs(p.point), "Hessian at the point", lhs=rf"\nabla^2 f({label})")
            )
            out.append(Step(sp.Tuple(*p.eigenvalues), f"eigenvalues: {p.kind}", lhs=r"\lambda"))
        return out


def is_real_solution(sol: Mapping[sp.Symbol, sp.Expr]) -> bool:
    """Whether no value of the solution ``sol`` (Symbol -> value) is known to be non-real."""
    for v in sol.values():
        if v.is_real is False:
            return False
        if v.is_number:
            val = complex(v.evalf(30))
            if abs(val.imag) > 1e-12 * max(1.0, abs(val.real)):
                return False
    return True


def critical_points(
    f: Any,
    wrt: Any,
    *,
    numeric: bool = False,
    region: Any = None,
    budget: float = DEFAULT_BUDGET,
) -> CriticalPoints:
    """Stationary points of ``f`` (gradient zero), classified by the Hessian.

    Solves ``grad f = 0`` symbolically (within ``budget`` seconds), keeps the
    real solutions when the variables are real, and classifies each point by
    the signs of the Hessian's eigenvalues there: all positive -> local
    minimum, all negative -> local maximum, both signs -> saddle, a zero
    eigenvalue -> degenerate (the second-order test does not decide); signs
    that depend on symbolic coefficients give a conditional kind.

    The symbolic answer is cross-checked by numeric root finding on the
    gradient (when ``f`` has no parameters): points the solver missed are
    added with Float coordinates, ``complete`` is False and ``verify()`` is
    inconclusive. When the gradient is periodic in a variable the answer is
    the general solution: each point stands for a family ``x0 + k*T`` with
    ``k`` an integer Symbol (see :attr:`CriticalPoint.family`). A point on a
    line of critical points is merged into the line.

    Parameters
    ----------
    f : sympy expression
    wrt : Symbol or sequence of Symbols
    numeric : bool
        Find the points numerically instead: multi-start root finding on the
        gradient in ``region``, points deduplicated and classified by the
        Hessian's eigenvalues (``complete`` is then False: a search cannot
        prove it found every point).
    region : dict Symbol -> (lo, hi), or one (lo, hi) pair per variable
        The box searched with ``numeric=True``; the default is one period of
        a periodic variable and ``[-10, 10]`` for the others.
    budget : float
        Seconds the derivation may take.

    Raises
    ------
    NoClosedFormError
        When SymPy cannot solve the equations (within the budget); the
        message names them and suggests ``numeric=True``.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> cps = symml.critical_points(x**3 - 3*x + y**2, [x, y])
    >>> [(p.point, p.kind) for p in cps]
    [({x: -1, y: 0}, 'saddle'), ({x: 1, y: 0}, 'minimum')]
    >>> cps[1].eigenvalues
    (2, 6)
    >>> [(p.point, p.kind) for p in symml.critical_points(sp.cos(x) + y**2, [x, y])]
    [({x: 2*pi*k, y: 0}, 'saddle'), ({x: 2*pi*k + pi, y: 0}, 'minimum')]
    >>> cps = symml.critical_points(x**2 + y**2 + sp.sin(x), [x, y], numeric=True)
    >>> [(round(float(p.point[x]), 6), p.kind) for p in cps]
    [(-0.450184, 'minimum')]
    """
    expr = short_sums_written_out(as_scalar(f, "f"))
    variables = as_wrt(wrt)
    refuse_antiderivatives(expr, "critical points")
    seconds = as_budget(budget)
    deadline = Deadline(seconds)
    grace = Deadline(seconds + _GRACE)  # to classify and evaluate what was found in time
    try:
        grad = gradient(expr, variables, budget=seconds)
        hess = hessian(expr, variables, budget=max(deadline.left(), 1e-3))
    except BudgetExceededError:
        raise _out_of_time(expr, seconds) from None
    equations = list(grad.result)
    if all(e == 0 or e.is_zero for e in equations):  # is_zero: Sum(0, (k, 1, 3))
        return _every_point(expr, variables)
    period = periods(equations, variables, deadline)
    if numeric:
        return _numeric_points(expr, variables, grad, hess, period, region, deadline, grace)
    if region is not None:
        raise ArgumentError(bad_argument("region", region, "region= applies with numeric=True"))
    solutions = _solve(expr, equations, variables, deadline, seconds)
    all_real = all(s.is_real for s in variables)
    kept = [s for s in solutions if not all_real or is_real_solution(s)]
    params = integer_parameters(period, expr.free_symbols | set(variables))
    families = _unique(
        [as_family(sol, period, params) for sol in merge_into_lines(kept, variables)]
    )
    points = [
        _classified(expr, hess.result, variables, sol, params, deadline, grace) for sol in families
    ]
    notes = [
        f"f's gradient repeats with period {t} in {s}: {params[s]} is any integer"
        for s, t in period.items()
    ]
    missing, H, note = _cross_check(expr, variables, grad, hess, period, families, deadline)
    points += [_numeric_point(expr, H, variables, r, period, params, grace) for r in missing]
    notes += [note] if note else []
    points.sort(key=lambda p: [sp.default_sort_key(p.point.get(s, s)) for s in variables])
    complete = not (note or "").startswith("incomplete")
    return _result(expr, variables, points, len(solutions) - len(kept), complete, notes)


def _result(
    expr: sp.Expr,
    variables: Sequence[sp.Symbol],
    points: Sequence[CriticalPoint],
    removed: int,
    complete: bool,
    notes: Sequence[str],
) -> CriticalPoints:
    return CriticalPoints(
        sp.Tuple(*[sp.Tuple(*[p.point.get(s, s) for s in variables]) for p in points]),
        None,
        assumptions=assumptions(expr.free_symbols),
        kind="critical points",
        source=expr,
        wrt=variables,
        verifier=_critical_verdict,
        points=tuple(points),
        removed=removed,
        complete=complete,
        notes=tuple(notes),
    )


def _every_point(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> CriticalPoints:
    """The answer for ``f`` constant in ``variables``: every point, one solution leaving all
    variables free (degenerate: the Hessian is zero)."""
    zeros = (sp.Integer(0),) * len(variables)
    point = CriticalPoint({}, "degenerate", zeros, expr)
    note = "the gradient is zero everywhere: every point is critical (f is constant in wrt)"
    return _result(expr, variables, [point], 0, True, [note])


def _unique(solutions: Sequence[Mapping]) -> list[Mapping]:
    out: list[Mapping] = []
    for sol in solutions:
        if all(dict(sol) != dict(other) for other in out):
            out.append(sol)
    return out


def _solve(
    expr: sp.Expr,
    equations: Sequence[sp.Expr],
    variables: Sequence[sp.Symbol],
    deadline: Deadline,
    budget: float,
) -> list[dict]:
    """SymPy's solutions of ``equations``; every failure is a :class:`NoClosedFormError`."""
    failures: list[Exception] = []

    def work() -> list[dict] | None:
        try:
            return sp.solve(list(equations), list(variables), dict=True)
        except (*_SYMPY_FAILURES, BasePolynomialError) as exc:  # NotAlgebraic from solve
            failures.append(exc)
            return None

    # keep time for classifying the points and for the numeric cross-check
    solutions, finished = deadline.run(work, cap=0.6 * deadline.left())
    if not finished:
        raise _out_of_time(expr, budget, equations)
    if failures:
        raise NoClosedFormError(
            bad_argument(
                "f",
                expr,
                f"SymPy could not solve {_system(equations)} ({failures[0]}); find the "
                "points numerically with critical_points(f, wrt, numeric=True, region=...)",
            )
        )
    return list(solutions or [])


def _system(equations: Sequence[sp.Expr]) -> str:
    return ", ".join(f"{eq} = 0" for eq in equations)


def _out_of_time(
    f: sp.Expr, budget: float, equations: Sequence[sp.Expr] | None = None
) -> NoClosedFormError:
    system = _system(equations) if equations else "grad f = 0"
    return NoClosedFormError(
        bad_argument(
            "f",
            f,
            f"SymPy could not solve {system} within {budget} s; raise budget= or "
            "find the points numerically with critical_points(f, wrt, numeric=True, region=...)",
        )
    )


def _critical_point(
    f: sp.Expr,
    hess: sp.Matrix,
    variables: Sequence[sp.Symbol],
    sol: Mapping,
    params: Mapping[sp.Symbol, sp.Symbol],
) -> CriticalPoint:
    """The point ``sol`` (simplified), classified by the eigenvalues of the Hessian there."""
    keep = set(params.values())  # x0 + k*T stays as written
    point = {
        s: sol[s] if sol[s].free_symbols & keep else sp.simplify(sol[s])
        for s in variables
        if s in sol
    }
    H = hess.subs(point)
    eig_dict = H.eigenvals() if H.shape[0] <= 3 or H.is_symbolic() is False else {}
    eigs = tuple(
        sorted(
            (sp.simplify(ev) for ev, m in eig_dict.items() for _ in range(m)),
            key=sp.default_sort_key,
        )
    )
    if not eigs:
        eigs = _numeric_eigenvalues(np.array(H.evalf(), dtype=float))
    kind, conditions = classify(eigs)
    used = set().union(*(sp.sympify(v).free_symbols for v in point.values()))
    family = tuple(k for k in params.values() if k in used)
    value = sp.simplify(f.subs(point))
    if family:  # 2*pi*k + pi, not pi*(2*k + 1)
        value = sp.expand(value)
    return CriticalPoint(point, kind, eigs, value, family=family, conditions=conditions)


_SYMPY_FAILURES = (TypeError, ValueError, ArithmeticError, NotImplementedError)
#: Seconds after the deadline in which the points found in time are still classified and
#: evaluated (numerically); past it they come back unclassified.
_GRACE = 0.3


def _value_at(f: sp.Expr, values: Mapping, deadline: Deadline) -> sp.Expr:
    """``f`` at a numeric point as a Float, evaluated within ``deadline``; where it has no
    number there (or no time is left), ``f`` at the point unevaluated (``Subs``)."""

    def number() -> sp.Expr:
        at = f.subs(values)  # seconds for Sums of Piecewise: inside the deadline too
        v = at.evalf(17)
        return sp.Float(complex(v).real) if v.is_number else at

    value, _ = deadline.run(number, failures=_SYMPY_FAILURES)
    return value if value is not None else _unevaluated(f, values)


def _unevaluated(f: sp.Expr, values: Mapping) -> sp.Subs:
    """``f`` at the point ``values``, not evaluated."""
    return sp.Subs(f, tuple(values), tuple(values.values()))


def _numeric_eigenvalues(H: np.ndarray) -> tuple[sp.Float, ...]:
    """NumPy's eigenvalues of the symmetric ``H``; those below ``1e-8`` (relative) are 0."""
    eigs = np.linalg.eigvalsh((H + H.T) / 2)
    scale = max(1.0, float(np.max(np.abs(eigs))))
    return tuple(sp.Float(0.0 if abs(v) < 1e-8 * scale else float(v)) for v in eigs)


def _classified(
    f: sp.Expr,
    hess: sp.Matrix,
    variables: Sequence[sp.Symbol],
    sol: Mapping,
    params: Mapping[sp.Symbol, sp.Symbol],
    deadline: Deadline,
    grace: Deadline,
) -> CriticalPoint:
    """:func:`_critical_point` within the deadline; out of time, numeric eigenvalues within
    ``grace`` (a little after the deadline); then not classified."""
    reserve = 0.2 * deadline.seconds  # for the numeric cross-check
    point, finished = deadline.run(
        lambda: _critical_point(f, hess, variables, sol, params),
        cap=min(0.2 * deadline.seconds, deadline.left() - reserve),
        failures=_SYMPY_FAILURES,  # eigenvalues SymPy cannot find: numeric ones below
    )
    if finished:
        return point  # type: ignore[return-value]
    values = {s: sol[s] for s in variables if s in sol}

    def numeric() -> CriticalPoint:  # substituting alone can take seconds (Sums of Piecewise)
        H = hess.subs(values)
        if H.free_symbols:
            raise ValueError("symbolic Hessian")
        eigs = _numeric_eigenvalues(np.array(H.evalf(), dtype=float))
        return CriticalPoint(values, classify(eigs)[0], eigs, _value_at(f, values, grace))

    point, finished = grace.run(numeric, failures=(*_SYMPY_FAILURES, np.linalg.LinAlgError))
    if finished:
        return point  # type: ignore[return-value]
    why = "not classified (out of time)"
    return CriticalPoint(values, why, (), _unevaluated(f, values), family=tuple(params.values()))


def _numeric_point(
    f: sp.Expr,
    hess: Any,
    variables: Sequence[sp.Symbol],
    root: np.ndarray,
    period: Mapping[sp.Symbol, sp.Expr],
    params: Mapping[sp.Symbol, sp.Symbol] | None,
    deadline: Deadline,
) -> CriticalPoint:
    """A point found numerically, classified by NumPy's eigenvalues of the Hessian there.

    With ``params``, a periodic coordinate becomes the family ``x0 + k*T``; its
    value in ``f`` is computed within ``deadline``.
    """
    values = {s: sp.Float(float(v)) for s, v in zip(variables, root, strict=True)}
    eigs = _numeric_eigenvalues(real_values(hess(*root)))
    kind, _ = classify(eigs)
    value = _value_at(f, values, deadline)
    point = as_family(values, period, params) if params else values
    family = tuple(params[s] for s in period) if params else ()
    return CriticalPoint(point, kind, eigs, value, family=family, exact=False)


def _search(
    grad: Derivation,
    hess: Derivation,
    variables: Sequence[sp.Symbol],
    box: Mapping[sp.Symbol, tuple[float, float]],
    deadline: Deadline,
    known: Any = None,
) -> tuple[list[np.ndarray], bool, Any]:
    """Numeric zeros of the gradient in ``box`` (confirmed at 30 digits) that ``known`` does
    not cover, and the Hessian's code."""
    args = list(variables)
    g, H = grad.to_numpy(args=args), hess.to_numpy(args=args)
    confirm = confirmer(list(grad.result), hess.result, variables)
    roots, finished = find_roots(g, H, box, deadline, confirm=confirm, known=known)
    return roots, finished, H


def _cross_check(
    expr: sp.Expr,
    variables: Sequence[sp.Symbol],
    grad: Derivation,
    hess: Derivation,
    period: Mapping[sp.Symbol, sp.Expr],
    solutions: Sequence[Mapping],
    deadline: Deadline,
) -> tuple[list[np.ndarray], Any, str | None]:
    """Stationary points found numerically that no symbolic solution covers, the Hessian's
    code (to classify them), and a note."""
    if expr.free_symbols - set(variables) or not all(s.is_real for s in variables):
        return [], None, None  # parameters or complex variables: no numeric search
    box = periodic_region(variables, period)
    for sol in solutions:  # widen the box to hold every exact point found
        for s, v in sol.items():
            if s not in period and v.is_number and v.is_real:
                lo, hi = box[s]
                box[s] = (min(lo, float(v) - 1.0), max(hi, float(v) + 1.0))
    left = deadline.left(cap=5.0)
    if left < 0.05:
        return [], None, "incomplete: not cross-checked numerically (no time left in the budget)"
    tests = [matches(sol, variables, period) for sol in solutions]

    def known(point: np.ndarray) -> bool:
        return any(test(point) for test in tests)

    try:
        missing, finished, H = _search(grad, hess, variables, box, Deadline(left), known)
    except SymmlError:  # no numeric code for f: nothing to cross-check
        if not solutions:  # an empty answer is the one most likely to be wrong
            return [], None, "incomplete: SymPy's solve found no point and f has no numeric code"
        return [], None, "not cross-checked numerically (f has no numeric code)"
    where = " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in box.values())
    if missing:
        return (
            missing,
            H,
            (
                f"incomplete: SymPy's solve missed {len(missing)} point(s) that a numeric search "
                f"in {where} found (listed with Float coordinates); there may be more"
            ),
        )
    if not finished:
        return [], None, f"incomplete: the numeric cross-check in {where} ran out of time"
    return [], None, None


def _numeric_points(
    expr: sp.Expr,
    variables: Sequence[sp.Symbol],
    grad: Derivation,
    hess: Derivation,
    period: Mapping[sp.Symbol, sp.Expr],
    region: Any,
    deadline: Deadline,
    grace: Deadline,
) -> CriticalPoints:
    """``critical_points(..., numeric=True)``: multi-start root finding in ``region``."""
    params = sorted(expr.free_symbols - set(variables), key=lambda s: s.name)
    if params:
        raise ArgumentError(
            bad_argument(
                "f",
                expr,
                "numeric=True needs numbers, but f has the parameters "
                + ", ".join(map(str, params))
                + "; substitute values with f.subs(...)",
            )
        )
    box = as_region(region, variables, periodic_region(variables, period))
    try:
        roots, finished, H = _search(grad, hess, variables, box, deadline)
    except ArgumentError as exc:  # the gradient has no NumPy code (an Integral, an infinite Sum)
        reason = str(exc).split(" is not valid: ", 1)[-1]
        fix = f"numeric=True evaluates the gradient with NumPy, but {reason}"
        raise ArgumentError(bad_argument("f", expr, fix)) from None
    points = [_numeric_point(expr, H, variables, r, period, None, grace) for r in roots]
    points.sort(key=lambda p: [float(p.point[s]) for s in variables])
    where = " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in box.values())
    notes = [f"found numerically in {where}; a numeric search cannot prove there are no others"]
    notes += [f"the set repeats with period {t} in {s}" for s, t in period.items()]
    if not finished:
        notes.append("the search ran out of time before trying every start")
    return _result(expr, variables, points, 0, False, notes)


def _scale(values: Any, subs: Mapping) -> float:
    numbers = [complex(sp.sympify(v).subs(subs).evalf()) for v in values]
    return 1.0 + max((abs(v) for v in numbers), default=0.0)


def _critical_verdict(d: Derivation, *, tol: float = 1e-9) -> Verdict:
    """The gradient must vanish (to ``tol``) at every reported point, checked at 30 digits.

    Families are checked at k = 0, 1, -2; an incomplete list is inconclusive.
    """
    grad = [sp.diff(d.source, s) for s in d.wrt]
    for p in d.points:  # type: ignore[attr-defined]
        ks = [{k: v for k in p.family} for v in (0, 1, -2)] if p.family else [{}]
        limit = tol if p.exact else max(tol, 1e-8 * _scale(p.point.values(), ks[0]))
        for k, (g, s) in ((k, gs) for k in ks for gs in zip(grad, d.wrt, strict=True)):
            value = g.subs(p.point).subs(k)
            if value.free_symbols:
                continue
            val = complex(value.evalf(30))
            if abs(val) > limit:
                return Verdict(
                    False,
                    "numeric",
                    claimed=d.result,
                    counterexample={**dict(p.point), **k},
                    claimed_value=val,
                    expected_value=0,
                    notes=(f"d f / d {s} is not zero there",),
                    points=1,
                )
    if not d.complete:  # type: ignore[attr-defined]
        return Verdict(
            False,
            "inconclusive",
            claimed=d.result,
            notes=(
                "inconclusive: the gradient vanishes at every listed point, but the list "
                "may be incomplete (" + "; ".join(d.notes) + ")",  # type: ignore[attr-defined]
            ),
            points=len(d.points),  # type: ignore[attr-defined]
        )
    return Verdict(
        True,
        "numeric",
        claimed=d.result,
        notes=("the gradient vanishes at every point",),
        points=len(d.points),  # type: ignore[attr-defined]
    )
