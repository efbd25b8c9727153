"""The notes spec: a text file of derivations, one per line, read into items.

``symml notes SPEC`` builds a document from lines such as
``gradient: x**2*y wrt x y`` (the grammar is documented at
:func:`symml.cli.notes_from_spec`). This module only reads the *text*: it
splits each line into its kind and the texts of its formulas, checks the
grammar, and attaches headings, paragraphs and labels to the next item.
Formulas stay text here: they are parsed, and the derivations done, by the
caller (:mod:`symml.cli`, above every package that derives), which hands
:func:`build_notes` a function from an item to its result.

Every error names the line: ``SOURCE, line N: ...``.

Examples
--------
>>> spec = parse_spec("title: T\\nheading: H\\ngradient: x**2*y wrt x, y\\ncheck: 2*x = x + x")
>>> spec.title, [(item.line, item.kind, item.formulas) for item in spec.items]
('T', [(3, 'gradient', ('x**2*y',)), (4, 'check', ('2*x', 'x + x'))])
>>> spec.items[0].wrt, spec.items[0].heading
('x, y', 'H')
>>> parse_spec("taylor: exp(x)*cos(y) wrt x y at 0, y=1 order 3").items[0].at
(('x', '0'), ('y', '1'))
>>> parse_spec("heading: A\\ngradient: x**2")
Traceback (most recent call last):
    ...
symml.ParseError: SPEC, line 2: write 'gradient: EXPR wrt VARIABLES', ...
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from .._core import ArgumentError, ParseError, SymmlError, bad_argument
from .notes import Notes

__all__ = ["SPEC_DIRECTIVES", "SPEC_KINDS", "Spec", "SpecItem", "build_notes", "parse_spec"]

#: The kinds of item, each a line ``kind: ...`` that adds one result to the notes.
SPEC_KINDS = (
    "gradient",
    "hessian",
    "jacobian",
    "taylor",
    "critical points",
    "check",
    "steps",
    "mle",
    "show",
)
#: Lines for the document (title, author) or for the next item (heading, text, label).
SPEC_DIRECTIVES = ("title", "author", "heading", "text", "label")

_DERIVES = ("gradient", "hessian", "jacobian", "critical points")
_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z _]*?)\s*:\s*(?P<body>.*?)$")
_WRT = re.compile(r"^(?P<expr>.+?)\s+wrt\s+(?P<wrt>.+)$")
_TAYLOR = re.compile(
    r"^(?P<expr>.+?)\s+wrt\s+(?P<wrt>.+?)\s+at\s+(?P<at>.+?)(?:\s+order\s+(?P<order>\S+))?$"
)


@dataclass(frozen=True)
class SpecItem:
    """One item of a spec, its formulas still text.

    ``formulas`` holds, by kind: the expression (``gradient``, ``hessian``,
    ``jacobian``, ``critical points``, ``taylor``, ``show``), the claimed and
    expected sides (``check``), the chain (``steps``), or the model's name
    (``mle``). ``wrt`` is the variables as written; ``at`` the Taylor point
    as ``(name, value)`` pairs, every value named.
    """

    kind: str
    line: int
    formulas: tuple[str, ...]
    wrt: str = ""
    at: tuple[tuple[str, str], ...] = ()
    order: int = 2
    heading: str | None = None
    text: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Spec:
    """A read spec: the document's title and author, and its items in order."""

    source: str
    title: str | None
    author: str | None
    items: tuple[SpecItem, ...]

    def error(self, line: int, problem: str) -> ParseError:
        """A ParseError that names the line: ``SOURCE, line N: problem``."""
        return _located(self.source, line, problem)


def _located(source: str, line: int, problem: str) -> ParseError:
    return ParseError(f"{source}, line {line}: {problem}")


def split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` (``,`` or ``=``) outside brackets; ``==``, ``<=``, ... stay whole.

    Examples
    --------
    >>> split_top("f(x, y) = x <= y == z", "=")
    ['f(x, y)', 'x <= y == z']
    """
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            before = text[i - 1] if i else ""
            if sep == "=" and (before in ("=", "<", ">", "!") or text[i + 1 : i + 2] == "="):
                continue
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _key(line: str) -> tuple[str, str] | None:
    """``(kind, body)`` of a line ``kind: body``, the kind normalised; None if unknown."""
    m = _LINE.match(line)
    key = " ".join(m["key"].lower().replace("_", " ").split()) if m else ""
    if not m or key not in (*SPEC_KINDS, *SPEC_DIRECTIVES):
        return None
    return key, m["body"]


def parse_spec(text: str, *, source: str = "SPEC") -> Spec:
    """Read a spec into its title, author and items (formulas stay text).

    Parameters
    ----------
    text : str
        The spec, one item or directive per line. A line starting with ``#``
        is a comment; blank lines are skipped. The grammar is documented at
        :func:`symml.cli.notes_from_spec`.
    source : str, default "SPEC"
        The spec's name for error messages (a file name).

    Returns
    -------
    Spec
        Title, author and the items in order, each with the heading, text and
        label given before it.

    Raises
    ------
    ParseError
        A line does not follow the grammar; the message starts with
        ``SOURCE, line N:``.

    Examples
    --------
    >>> spec = parse_spec("heading: Steps\\nsteps: (x + 1)**2 = x**2 + 2*x + 1", source="a.spec")
    >>> item = spec.items[0]
    >>> item.kind, item.formulas, item.heading
    ('steps', ('(x + 1)**2', 'x**2 + 2*x + 1'), 'Steps')
    >>> parse_spec("show: x\\ntext: dangling", source="a.spec")
    Traceback (most recent call last):
        ...
    symml.ParseError: a.spec, line 2: a heading, text or label with no item after it
    """
    if not isinstance(text, str):
        raise ArgumentError(bad_argument("text", text, "pass the spec as text"))
    fail = partial(_located, source)
    meta: dict[str, str] = {}
    pending: dict[str, tuple[int, str]] = {}
    items: list[SpecItem] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parsed = _key(line)
        if parsed is None:
            raise fail(
                lineno,
                f"{_quote(line)} does not start with a known 'kind:'; use one of "
                + ", ".join(f"{k}:" for k in (*SPEC_KINDS, *SPEC_DIRECTIVES)),
            )
        key, body = parsed
        if not body:
            raise fail(lineno, f"'{key}:' is empty")
        if key in ("title", "author"):
            if key in meta:
                raise fail(lineno, f"a second '{key}:' line")
            meta[key] = body
        elif key in ("heading", "text", "label"):
            if key in pending:
                raise fail(lineno, f"a second '{key}:' before an item (line {pending[key][0]})")
            pending[key] = (lineno, body)
        else:
            try:
                item = _item(key, body, lineno)
            except ParseError as exc:
                raise fail(lineno, str(exc)) from None
            extra = {k: v for k, (_, v) in pending.items()}
            items.append(replace(item, **extra))
            pending.clear()
    if pending:
        first = min(n for n, _ in pending.values())
        raise fail(first, "a heading, text or label with no item after it")
    return Spec(source, meta.get("title"), meta.get("author"), tuple(items))


def _item(kind: str, body: str, line: int) -> SpecItem:
    """One item line, without its heading, text and label."""
    if kind in _DERIVES:
        m = _WRT.match(body)
        if not m:
            raise ParseError(f"write '{kind}: EXPR wrt VARIABLES', e.g. '{kind}: x**2*y wrt x y'")
        return SpecItem(kind, line, (m["expr"],), wrt=m["wrt"])
    if kind == "taylor":
        return _taylor(body, line)
    if kind == "check":
        sides = split_top(body, "=")
        if len(sides) != 2:
            raise ParseError(
                "write 'check: CLAIMED = EXPECTED', "
                "e.g. 'check: 2*x*cos(x**2) = Derivative(sin(x**2), x)'"
            )
        return SpecItem(kind, line, tuple(sides))
    if kind == "steps":
        chain = split_top(body, "=")
        if len(chain) < 2:
            raise ParseError("write 'steps: E0 = E1 = E2 ...' with at least two expressions")
        return SpecItem(kind, line, tuple(chain))
    if kind == "mle":
        return SpecItem(kind, line, (body.strip(),))
    return SpecItem(kind, line, (body,))  # show


def _taylor(body: str, line: int) -> SpecItem:
    m = _TAYLOR.match(body)
    if not m:
        raise ParseError(
            "write 'taylor: EXPR wrt VARIABLES at POINT [order N]', "
            "e.g. 'taylor: exp(x)*cos(y) wrt x y at x=0, y=0 order 3'"
        )
    names = [w for w in re.split(r"[\s,]+", m["wrt"]) if w]
    values = split_top(m["at"], ",")
    at = []
    for k, item in enumerate(values):
        name, eq, value = (p.strip() for p in item.partition("="))
        if not eq:
            if len(values) != len(names):
                raise ParseError(
                    f"'at {m['at']}' gives {len(values)} values for {len(names)} variables; "
                    "write 'at x=0, y=1'"
                )
            name, value = names[k], item
        if name not in names:
            raise ParseError(
                f"'at' gives a value for {name!r}, which is not one of the variables "
                + ", ".join(names)
            )
        at.append((name, value))
    order = m["order"] or "2"
    if not order.isdigit():
        raise ParseError(f"order must be a whole number such as 3, not {order!r}")
    return SpecItem("taylor", line, (m["expr"],), wrt=m["wrt"], at=tuple(at), order=int(order))


def build_notes(spec: Spec, make: Callable[[SpecItem], Any], *, bold: bool = False) -> Notes:
    """Notes from a read spec; ``make(item)`` gives each item's result.

    Errors of ``make`` (a formula that does not parse, a derivation that
    fails) and of the notes (a bad label) name the item's line.

    Examples
    --------
    >>> import sympy as sp
    >>> spec = parse_spec("title: Two formulas\\nshow: a\\nlabel: eq:b\\nshow: b")
    >>> notes = build_notes(spec, lambda item: sp.Symbol(item.formulas[0]))
    >>> notes.title, len(notes)
    ('Two formulas', 2)
    """
    notes = Notes(spec.title or spec.source, spec.author, bold=bold)
    prefix = f"{spec.source}, line "
    for item in spec.items:
        try:
            obj = make(item)
        except ParseError as exc:
            if str(exc).startswith(prefix):
                raise
            raise spec.error(item.line, str(exc)) from None
        except SymmlError as exc:
            raise type(exc)(f"{prefix}{item.line}: {exc}") from None
        try:
            notes.add(obj, item.heading, item.text, label=item.label)
        except SymmlError as exc:
            raise spec.error(item.line, str(exc)) from None
    return notes
