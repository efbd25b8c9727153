"""``check_steps``: a hand derivation ``e0 = e1 = ... = ek`` checked step by step.

======================  =================================================================
name                    what it is
======================  =================================================================
:func:`check_steps`     a :class:`StepsVerdict` for a chain: the first step that does not
                        follow from the one before (each step checked with ``check``)
:class:`StepsVerdict`   per-step verdicts, ``first_bad``, a summary ``verdict``
======================  =================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from .._core import (
    CHECK_BUDGET,
    ArgumentError,
    Deadline,
    Derivation,
    ParseError,
    Step,
    Verdict,
    as_sympy,
    bad_argument,
    hooks,
)
from .checker import _check, _Options, _valid_budget

__all__ = ["StepsVerdict", "check_steps"]


@dataclass(frozen=True)
class StepsVerdict:
    """Verdict on a chain of equalities ``chain[0] = chain[1] = ... = chain[-1]``.

    Attributes
    ----------
    verdicts : tuple of Verdict
        ``verdicts[k]`` compares ``chain[k + 1]`` (claimed) with ``chain[k]``
        (expected).
    chain : tuple
        The expressions as written (unevaluated derivatives kept), for display.
    first_bad : int or None
        Index ``i`` of the first expression that does not equal the one before
        it (``chain[i] != chain[i - 1]``); None when every step holds.
    sources : tuple of str
        For a LaTeX chain, the LaTeX of each expression (else empty).
    lines : tuple of int
        For a LaTeX chain, the line of each expression in the text (else empty).
    notes : tuple of str
        For a LaTeX chain, how ambiguous LaTeX was read (e.g. "read x(...) as
        multiplication") and which names were defined.

    ``bool(steps_verdict)`` is True iff every step holds; :attr:`message`
    names the first bad step and :attr:`verdict` summarises it all in one
    :class:`Verdict`.
    """

    verdicts: tuple[Verdict, ...]
    first_bad: int | None
    chain: tuple[Any, ...] = ()
    sources: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.first_bad is None and all(self.verdicts)

    @property
    def verdict(self) -> Verdict:
        """One Verdict: equivalent iff every step holds, else the first bad step's."""
        if self.first_bad is None:
            methods = {v.method for v in self.verdicts}
            method = "symbolic" if methods == {"symbolic"} else "numeric"
            notes = self.notes + tuple(
                f"step {k + 1}: {note}" for k, v in enumerate(self.verdicts) for note in v.notes
            )
            first, last = self.verdicts[0], self.verdicts[-1]
            return Verdict(
                True,
                method,
                claimed=last.claimed,
                expected=first.expected,
                notes=notes,
                points=max((v.points for v in self.verdicts), default=0),
                sampled=any(v.sampled for v in self.verdicts),
            )
        bad = self.verdicts[self.first_bad - 1]
        return replace(bad, notes=(self.message, *self.notes, *bad.notes))

    def where(self, i: int) -> str:
        """Step ``i`` as the text names it: ``step 3`` or ``step 3 (line 4: 2x\\sin x)``."""
        if i < len(self.sources):
            return f"step {i} (line {self.lines[i]}: {self.sources[i]})"
        return f"step {i}"

    @property
    def message(self) -> str:
        """One line: all steps hold, or which step fails and where."""
        if self.first_bad is None:
            count = len(self.verdicts)
            text = f"all {count} steps hold" if count > 1 else "the step holds"
            sampled = [k + 1 for k, v in enumerate(self.verdicts) if v.sampled]
            if not sampled:
                return text
            points = max(self.verdicts[k - 1].points for k in sampled)
            which = ("steps " if len(sampled) > 1 else "step ") + ", ".join(map(str, sampled))
            which = which if count > 1 else "it"
            verb = "agrees" if len(sampled) == 1 else "agree"
            return f"{text}; {which} only {verb} at {points} points (no proof)"
        i = self.first_bad
        bad = self.verdicts[i - 1]
        if bad.method == "inconclusive":
            detail = bad.message.removeprefix("inconclusive: ")
            return f"{self.where(i)} could not be checked against step {i - 1}: {detail}"
        head = f"{self.where(i)} does not follow from step {i - 1}"
        if bad.counterexample is None:
            return head
        # The verdict's own message, with the sides named by their step numbers.
        detail = bad.message.removeprefix(f"not equivalent ({bad.method}): ")
        before, _, after = detail.rpartition("the expected side is")
        before = before.replace("the claimed side is", f"step {i} is", 1)
        return f"{head}: {before}step {i - 1} is{after}"

    def __str__(self) -> str:
        return self.message


def check_steps(
    chain: Sequence[Any] | str,
    *,
    symbols: Sequence[sp.Symbol] | Mapping[sp.Symbol, Any] | None = None,
    functions: Sequence[str] | Mapping[str, Any] | None = None,
    n: int = 40,
    seed: int = 0,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    budget: float = CHECK_BUDGET,
) -> StepsVerdict:
    """Check a hand derivation written as a chain ``chain[0] = chain[1] = ...``.

    Each expression is compared with the one before it using :func:`check`
    (same options). The chain may hold expressions, matrices, Derivations and
    :class:`~symml.Step` objects; a ``Step`` with an ``lhs`` starts a new
    chain, so it is compared with its own ``lhs`` instead of the step before.

    Parameters
    ----------
    chain : sequence of at least two expressions, a Derivation, or LaTeX text
        The derivation, step 0 first. A Derivation stands for its steps
        followed by its result. LaTeX text is one chain as written in notes
        (``align*``, ``aligned``, ``equation*``, ``$$...$$`` or a bare
        ``a &= b \\\\ &= c``), read by :func:`symml.parse_latex`: its
        expressions are numbered in order, the left side first and then each
        right-hand side (a left side that is a bare name, ``L(\\mu)``, defines
        that name and is not checked; a final ``= 0`` after an expression in
        unknowns that is not identically zero is an equation to solve, not
        checked; both are reported in ``notes``).
    symbols, n, seed, rtol, atol
        As in :func:`check`. For LaTeX the symbols also declare names
        (``MatrixSymbol("X", n, p)`` for ``X``, ``Symbol("p", positive=True)``).
    functions : list of str or mapping, optional
        For LaTeX: names read as functions (see :func:`symml.parse_latex`),
        e.g. ``["f"]`` or ``{"sigma": "sigmoid"}``.
    budget : float
        Seconds of symbolic work for the *whole* chain, shared between the
        steps (each step gets what is left divided by the steps still to check).

    Returns
    -------
    StepsVerdict
        ``first_bad`` (index of the first wrong expression, or None),
        ``verdicts`` (one per step), ``message``, ``verdict``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import check_steps
    >>> x = sp.Symbol("x", real=True)
    >>> chain = [(x + 1)**2 - 1, x**2 + 2*x + 1 - 1, x**2 + 2*x, x*(x + 3)]
    >>> sv = check_steps(chain)
    >>> bool(sv), sv.first_bad
    (False, 3)
    >>> print(sv.message)                               # doctest: +ELLIPSIS
    step 3 does not follow from step 2: at x = ... step 3 is ... but step 2 is ...
    >>> bool(check_steps(chain[:3]))
    True

    A chain as written in LaTeX notes; the step is named by its line:

    >>> v = check_steps(r'''
    ... \\begin{align*}
    ... \\frac{d}{dx}\\left(x^2 \\sin x\\right) &= 2x\\sin x + x^2\\cos x \\\\
    ...   &= x\\left(2\\sin x + x\\cos x\\right) \\\\
    ...   &= 2x\\sin x + x\\cos x
    ... \\end{align*}''')
    >>> bool(v), v.first_bad
    (False, 3)
    >>> print(v.message)                                # doctest: +ELLIPSIS
    step 3 (line 5: 2x\\sin x + x\\cos x) does not follow from step 2: at x = ...
    """
    options = _Options.make(symbols=symbols, n=n, seed=seed, rtol=rtol, atol=atol)
    deadline = Deadline(_valid_budget(budget))
    if isinstance(chain, str) or _is_latex_chain(chain):
        return _check_latex(chain, symbols, functions, options, deadline)
    if functions is not None:
        raise ArgumentError(
            bad_argument("functions", functions, "pass functions= only with a LaTeX chain")
        )
    return _check_items(_chain_items(chain), options, deadline)


def _is_latex_chain(chain: Any) -> bool:
    """Whether ``chain`` is a LaTeX chain already read (``symml._parse.read_latex_chain``)."""
    return type(chain).__name__ == "LatexChain" and hasattr(chain, "steps")


def _check_latex(
    chain: Any, symbols: Any, functions: Any, options: _Options, deadline: Deadline
) -> StepsVerdict:
    """``check_steps`` of a LaTeX chain: read by ``_parse`` (through the hook), then checked."""
    if isinstance(chain, str):
        if not chain.strip():
            raise ParseError(bad_argument("chain", chain, "write a chain such as a &= b \\\\ &= c"))
        reader = hooks.get("latex_chain")
        read = reader(chain, symbols=symbols, functions=functions, name="chain")
    else:
        read = chain
    options = replace(options, symbols=_scalar_symbols(symbols))
    items = [Step(s.expr, s.source, lhs=s.lhs) if s.lhs is not None else s.expr for s in read.steps]
    result = _check_items(items, options, deadline)
    notes = tuple(read.notes)
    verdicts = list(result.verdicts)
    for k, step in enumerate(read.steps):
        previous = read.steps[k - 1].expr if k > 0 else None
        unknowns = getattr(previous, "free_symbols", set())
        if getattr(step, "equation", False) and k > 0 and not verdicts[k - 1] and unknowns:
            # "... = 0" setting an expression in unknowns to zero: an equation to solve
            note = (
                f"step {k} (line {step.line}): '= 0' is read as an equation to solve "
                "(the expression is not identically zero), so it is not checked"
            )
            verdicts[k - 1] = Verdict(True, "equation", notes=(note,))
            notes += (note,)
    first_bad = next((k for k, v in enumerate(verdicts, start=1) if not v), None)
    return replace(
        result,
        verdicts=tuple(verdicts),
        first_bad=first_bad,
        sources=tuple(s.source for s in read.steps),
        lines=tuple(s.line for s in read.steps),
        notes=notes,
    )


def _scalar_symbols(symbols: Any) -> Any:
    """``symbols=`` for ``check``: LaTeX declarations may also hold matrices and functions."""
    if isinstance(symbols, Mapping):
        return {k: v for k, v in symbols.items() if isinstance(k, sp.Symbol)} or None
    if isinstance(symbols, Iterable) and not isinstance(symbols, (str, sp.Basic)):
        return [s for s in symbols if isinstance(s, sp.Symbol)] or None
    return symbols


def _check_items(items: list[Any], options: _Options, deadline: Deadline) -> StepsVerdict:
    verdicts: list[Verdict] = []
    for k in range(1, len(items)):
        current = items[k]
        previous = current.lhs if isinstance(current, Step) and current.lhs is not None else None
        share = max(deadline.left() / (len(items) - k), 0.05)
        names = (f"chain[{k}]", f"chain[{k - 1}]")
        verdicts.append(
            _check(current, items[k - 1] if previous is None else previous, options, share, names)
        )
    first_bad = next((k for k, v in enumerate(verdicts, start=1) if not v), None)
    shown = tuple(_as_written(item) for item in items)
    return StepsVerdict(verdicts=tuple(verdicts), first_bad=first_bad, chain=shown)


def _chain_items(chain: Any) -> list[Any]:
    """The expressions of a chain: a Derivation's steps and result, or the list itself."""
    if isinstance(chain, Derivation):
        items: list[Any] = [*chain.steps, chain.result]
    elif isinstance(chain, (str, sp.Basic)) or not isinstance(chain, Iterable):
        items = []
    else:
        items = list(chain)
    if len(items) < 2:
        raise ArgumentError(
            bad_argument("chain", chain, "pass a list of at least two expressions, e.g. [e0, e1]")
        )
    return items


def _as_written(item: Any) -> Any:
    """A chain entry as the user wrote it (derivatives unevaluated), for display."""
    if isinstance(item, Step):
        return item.expr
    if isinstance(item, Derivation):
        return item.result
    try:
        return as_sympy(item, "chain")
    except ArgumentError:
        return None
