"""What kind a stationary point is, and the shape of the solution set around it.

* :func:`classify`: minimum / maximum / saddle / degenerate from the signs of
  the Hessian's eigenvalues, or a *conditional* kind when the signs depend on
  symbolic coefficients (``a*x**2 + b*y**2``: "minimum if a > 0 and b > 0, ...").
* :func:`periods`: the period of the gradient in each variable (periodic
  functions have infinitely many critical points: families in an integer ``k``).
* :func:`integer_parameters`, :func:`as_family`: a solution reduced to one
  period, plus ``k`` periods (``k`` an integer Symbol).
* :func:`merge_into_lines`: drop points that lie on a line of critical points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp

from .._core import Deadline

__all__ = ["as_family", "classify", "integer_parameters", "merge_into_lines", "periods"]


def _sign(ev: sp.Expr) -> int | None:
    """+1, -1 or 0 for an eigenvalue whose sign is known, None when it depends on symbols."""
    if ev.is_zero:
        return 0
    if ev.is_positive:
        return 1
    if ev.is_negative:
        return -1
    if ev.free_symbols:
        return None
    try:
        val = complex(ev.evalf(30))
    except TypeError:
        return None
    return 0 if abs(val.real) < 1e-12 else (1 if val.real > 0 else -1)


def _core(ev: sp.Expr) -> sp.Expr:
    """``ev`` without a positive numeric factor, so that ``2*a > 0`` reads ``a > 0``."""
    coeff, rest = ev.as_coeff_Mul()
    if coeff.is_positive:
        return rest
    if coeff.is_negative:
        return -rest
    return ev


def classify(eigs: Sequence[sp.Expr]) -> tuple[str, tuple[tuple[str, sp.Basic], ...]]:
    """The kind of a point with Hessian eigenvalues ``eigs``, and its conditions.

    Returns ``(kind, conditions)``; ``conditions`` is empty when the kind is
    decided, else pairs ``(kind, condition on the coefficients)``.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> classify([2, 6])
    ('minimum', ())
    >>> kind, conditions = classify([2*a, 2*b])
    >>> kind.startswith("minimum if a > 0 and b > 0, maximum if a < 0 and b < 0")
    True
    >>> kind.endswith("(depends on the signs of a, b)")
    True
    >>> conditions[0]
    ('minimum', (a > 0) & (b > 0))
    """
    eigs = [sp.sympify(ev) for ev in eigs]
    signs = [_sign(ev) for ev in eigs]
    if 1 in signs and -1 in signs:
        return "saddle", ()
    if 0 in signs:
        return "degenerate", ()
    if None not in signs:
        return ("minimum" if signs[0] == 1 else "maximum"), ()
    unknown = list(dict.fromkeys(_core(ev) for ev, s in zip(eigs, signs, strict=True) if s is None))
    conditions: list[tuple[str, sp.Basic]] = []
    if -1 not in signs:
        conditions.append(("minimum", sp.And(*[u > 0 for u in unknown])))
    if 1 not in signs:
        conditions.append(("maximum", sp.And(*[u < 0 for u in unknown])))
    parts = [
        f"{kind} if " + " and ".join(sorted(str(c) for c in sp.And.make_args(cond)))
        for kind, cond in conditions
    ]
    if len(unknown) > 1 or (1 in signs or -1 in signs):
        parts.append("saddle if the signs differ")
    parts.append("degenerate if one is 0")
    names = ", ".join(sorted({str(s) for u in unknown for s in u.free_symbols}))
    return ", ".join(parts) + f" (depends on the signs of {names})", tuple(conditions)


def periods(
    equations: Sequence[sp.Expr], variables: Sequence[sp.Symbol], deadline: Deadline
) -> dict[sp.Symbol, sp.Expr]:
    """The common period of ``equations`` in each variable in which all are periodic."""
    out = {}
    for s in variables:
        found = []
        for eq in equations:
            if s not in eq.free_symbols:
                continue
            period, finished = deadline.run(
                lambda eq=eq, s=s: sp.periodicity(eq, s),
                cap=0.3 * deadline.seconds,
                failures=(NotImplementedError,),
            )
            # a period in other symbols (2*pi*exp(y) for cos(x*exp(-y))) is no fixed lattice
            if not finished or period is None or not period.is_number or not period.is_positive:
                break
            found.append(period)
        else:
            if found:
                longest = max(found, key=lambda t: float(t))
                if all((longest / t).is_integer for t in found):
                    out[s] = longest
    return out


def integer_parameters(
    periods_: Mapping[sp.Symbol, sp.Expr], taken: set[sp.Symbol]
) -> dict[sp.Symbol, sp.Symbol]:
    """One integer Symbol per periodic variable: ``k`` for one, ``k_x, k_y, ...`` for several."""
    names = {str(s) for s in taken}
    out = {}
    for s in periods_:
        name = "k" if len(periods_) == 1 else f"k_{s.name}"
        while name in names:
            name += "_"
        out[s] = sp.Symbol(name, integer=True)
    return out


def as_family(
    solution: Mapping[sp.Symbol, sp.Expr],
    periods_: Mapping[sp.Symbol, sp.Expr],
    params: Mapping[sp.Symbol, sp.Symbol],
) -> dict[sp.Symbol, sp.Expr]:
    """``solution`` with each periodic coordinate reduced to ``[0, T)`` plus ``k*T``."""
    out = dict(solution)
    for s, period in periods_.items():
        if s not in out:
            continue
        value = out[s]
        if value.is_number and value.is_real:
            value = sp.Mod(value, period)
        out[s] = value + params[s] * period
    return out


def merge_into_lines(
    solutions: Sequence[Mapping[sp.Symbol, sp.Expr]], variables: Sequence[sp.Symbol]
) -> list[Mapping[sp.Symbol, sp.Expr]]:
    """``solutions`` less the points that lie on a line (a solution with free variables)."""
    variables = set(variables)

    def is_line(sol: Mapping[sp.Symbol, sp.Expr]) -> bool:
        return set(sol) != variables or any(v.free_symbols & variables for v in sol.values())

    lines = [sol for sol in solutions if is_line(sol)]

    def on_a_line(sol: Mapping[sp.Symbol, sp.Expr]) -> bool:
        for line in lines:
            if line is sol:
                continue
            if all(sp.simplify(line[s].subs(sol) - sol[s]) == 0 for s in line):
                return True
        return False

    return [sol for sol in solutions if is_line(sol) or not on_a_line(sol)]
