"""Verdicts in LaTeX: a one-line formula, rows for a display, a sentence for a paragraph.

A :class:`~symml.Verdict` compares a claimed and an expected side; a
``StepsVerdict`` (from ``check_steps``, recognised by its ``verdicts`` and
``first_bad``) checks a chain ``e0 = e1 = e2 ...`` step by step, and its
display marks a step that does not follow with ``\\neq``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from .._core import Verdict
from .layout import Row, environment_lines, layout
from .printer import escape_text, latex_expr, latex_number

__all__ = [
    "is_steps_verdict",
    "steps_latex",
    "steps_rows",
    "verdict_latex",
    "verdict_rows",
    "verdict_sentence",
]


def is_steps_verdict(obj: Any) -> bool:
    """A ``StepsVerdict`` (``_check`` is a sibling package: recognised by its fields)."""
    return hasattr(obj, "verdicts") and hasattr(obj, "first_bad")


def verdict_latex(v: Verdict) -> str:
    """A Verdict as one line of math: its message, or the counterexample.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> verdict_latex(Verdict(True, "symbolic"))
    '\\\\text{equivalent (symbolic)}'
    >>> verdict_latex(Verdict(False, "numeric", counterexample={x: 2.0},
    ...                       claimed_value=1.0, expected_value=-1.0))
    '\\\\text{not equivalent (numeric): at } x = 2.0\\\\text{, claimed } 1.0\\\\text{ but ...} -1.0'
    """
    if v.equivalent or v.counterexample is None:
        return rf"\text{{{escape_text(v.message)}}}"
    where = ",\\ ".join(
        f"{latex_expr(k)} = {latex_number(val)}" for k, val in v.counterexample.items()
    )
    return (
        rf"\text{{not equivalent ({escape_text(v.method)}): at }} {where}"
        rf"\text{{, claimed }} {latex_number(v.claimed_value)}"
        rf"\text{{ but expected }} {latex_number(v.expected_value)}"
    )


def verdict_rows(v: Verdict, settings: Mapping[str, Any]) -> list[Row]:
    """The two sides a Verdict compared, ``claimed = ...`` and ``expected = ...``."""
    rows = []
    for name, side in (("claimed", v.claimed), ("expected", v.expected)):
        if side is None or isinstance(side, str):
            continue
        try:
            rows.append(Row(rf"\text{{{name}}}", latex_expr(side, **settings), "", side))
        except (TypeError, ValueError, sp.SympifyError):
            continue
    return rows


def _step_relation(k: int, v: Verdict) -> tuple[str, str]:
    """The relation sign and justification of step ``k`` of a checked chain."""
    if v.equivalent and v.sampled:
        return "=", f"step {k}: agrees at {v.points} points (no proof)"
    if v.equivalent:
        return "=", f"step {k}: follows ({v.method})"
    if v.method == "inconclusive":
        return r"\overset{?}{=}", f"step {k}: could not be checked"
    return r"\neq", f"step {k}: does not follow from step {k - 1}"


def steps_rows(sv: Any, settings: Mapping[str, Any]) -> list[Row]:
    """A checked chain ``e0 = e1 \\neq e2 = ...``: ``\\neq`` marks a step that does not follow.

    The expressions are shown as written (unevaluated derivatives kept); a
    chain without them falls back on the sides as compared.
    """
    verdicts = list(sv.verdicts)
    written = list(getattr(sv, "chain", ()) or ())
    if len(written) != len(verdicts) + 1 or any(e is None for e in written):
        first = verdicts[0].expected if verdicts else None
        written = [first] + [
            v.claimed if v.claimed is not None else sp.Symbol("?") for v in verdicts
        ]
    rows: list[Row] = []
    if written[0] is not None:
        rows.append(Row(None, latex_expr(written[0], **settings), "step 0", written[0], rel=""))
    for k, v in enumerate(verdicts, start=1):
        rel, why = _step_relation(k, v)
        rows.append(Row(None, latex_expr(written[k], **settings), why, written[k], rel=rel))
    return rows


def steps_latex(sv: Any, width: float | None, settings: Mapping[str, Any]) -> str:
    """A checked chain as an ``align*`` block, one line per step."""
    lines = layout(steps_rows(sv, settings), width, settings)
    return environment_lines(lines, "align*")


def _sentence(message: str) -> str:
    return escape_text(message[0].upper() + message[1:]) + "."


def verdict_sentence(v: Any, math: str = "$") -> str:
    """The verdict as a LaTeX sentence with inline math (for paragraphs).

    ``v`` is a :class:`Verdict` or a ``StepsVerdict``; ``math`` is the inline
    math delimiter (``$`` for LaTeX and Markdown).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> v = Verdict(False, "numeric", counterexample={x: 2.0},
    ...             claimed_value=2.0, expected_value=-2.0)
    >>> verdict_sentence(v)
    'Not equivalent (numeric): at $x = 2.0$ the claimed side is $2.0$ but the expected side ...'
    >>> verdict_sentence(Verdict(True, "symbolic"))
    'Equivalent (symbolic).'
    """
    if is_steps_verdict(v):
        i = v.first_bad
        bad = None if i is None else v.verdicts[i - 1]
        if bad is None or bad.method == "inconclusive" or bad.counterexample is None:
            return _sentence(v.message)
        return (
            f"Step {i} does not follow from step {i - 1}: "
            + _where(bad, math)
            + f"step {i} is {math}{latex_number(bad.claimed_value)}{math} "
            f"but step {i - 1} is {math}{latex_number(bad.expected_value)}{math}."
        )
    if v.equivalent or v.counterexample is None:
        return _sentence(v.message)
    return (
        f"Not equivalent ({escape_text(v.method)}): "
        + _where(v, math)
        + f"the claimed side is {math}{latex_number(v.claimed_value)}{math} "
        f"but the expected side is {math}{latex_number(v.expected_value)}{math}."
    )


def _where(v: Verdict, math: str) -> str:
    parts = [
        f"{math}{latex_expr(k)} = {latex_number(val)}{math}"
        for k, val in (v.counterexample or {}).items()
    ]
    text = "at " + ", ".join(parts) + " " if parts else ""
    if v.entry is not None:
        text += f"in entry {escape_text(str(tuple(v.entry)))} "
    return text
