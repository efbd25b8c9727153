"""The ``symml`` command: the library's functions from a terminal.

============  =================================================================
subcommand    what it does
============  =================================================================
``derive``    gradient (or ``--hessian``) of an expression, with steps
``check``     is a claimed result equal to an expected one? (exit 0 / 1 / 2)
``notes``     a PDF, LaTeX or Markdown document from a spec of derivations,
              one per line (grammar: :func:`notes_from_spec`)
``demo``      the tour: derivations with steps, a checked hand derivation,
              NumPy code, and the notes written to a folder (``.tex``,
              ``.md``, and ``.pdf`` when ``pdflatex`` is installed)
============  =================================================================

Text from the command line and from spec files is parsed by
:func:`symml.parse_expr`, which never executes code; symbols are real unless
``--complex`` is given.

Exit status: 0 success (``check``: equivalent), 1 ``check``: not equivalent
(the counterexample is printed), 2 bad input (a one-line message on stderr).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import sympy as sp

from ._calculus import critical_points, gradient, hessian, jacobian, taylor
from ._check import check, check_steps
from ._codegen import to_numpy
from ._core import ArgumentError, ParseError, SymmlError, bad_argument
from ._parse import parse_expr, parse_symbols
from ._render import PDFLATEX, Notes, to_latex, to_text

__all__ = ["main", "notes_from_spec"]

EXIT_OK, EXIT_DIFFERENT, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(
            EXIT_BAD_INPUT, f"symml: error: {message} (see 'symml {self.prog.split()[-1]} -h')\n"
        )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symml",
        description="Derive, check and explore the mathematics of machine learning.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    derive = sub.add_parser("derive", help="gradient or Hessian of an expression, with steps")
    derive.add_argument("expr", help='the function, e.g. "(1 - x)**2 + 100*(y - x**2)**2"')
    derive.add_argument("--wrt", nargs="+", required=True, help="variables, e.g. --wrt x y")
    derive.add_argument(
        "--hessian", action="store_true", help="the Hessian instead of the gradient"
    )
    derive.add_argument(
        "--format",
        choices=("text", "latex", "numpy"),
        default="text",
        help="text (steps), latex (align* block) or numpy (generated code)",
    )
    derive.add_argument("--complex", action="store_true", help="symbols are complex, not real")

    chk = sub.add_parser("check", help="is CLAIMED equal to EXPECTED?")
    chk.add_argument("claimed", help='e.g. "2*x*cos(x**2)"')
    chk.add_argument("expected", help='e.g. "Derivative(sin(x**2), x)"')
    chk.add_argument("--complex", action="store_true", help="symbols are complex, not real")

    notes = sub.add_parser(
        "notes",
        help="a PDF, LaTeX or Markdown document from a spec of derivations",
        description="Build notes from SPEC, one item per line, e.g. "
        "'gradient: x**2*y + exp(x*y) wrt x y'. Items: "
        + ", ".join(f"{k}:" for k in _KINDS)
        + "; directives for the document or the next item: "
        + ", ".join(f"{k}:" for k in _DIRECTIVES)
        + ". Lines starting with # are comments.",
    )
    notes.add_argument("spec", help="the spec file ('-' reads standard input)")
    notes.add_argument(
        "-o",
        "--output",
        help="notes.pdf, notes.tex or notes.md (default: SPEC with the suffix .pdf)",
    )
    notes.add_argument("--bold", action="store_true", help="bold vectors and matrices")
    notes.add_argument("--complex", action="store_true", help="symbols are complex, not real")

    mle = sub.add_parser("mle", help="maximum-likelihood estimators of a textbook model")
    mle.add_argument(
        "model", help="normal, poisson, exponential, gamma, ... (see 'symml mle list')"
    )
    mle.add_argument("--format", choices=("text", "latex"), default="text")

    demo = sub.add_parser("demo", help="a tour of symml; writes notes to --out")
    demo.add_argument(
        "--out", default="symml-demo", help="folder for the notes (default: symml-demo)"
    )
    return parser


def _derive(args: argparse.Namespace, out: TextIO) -> int:
    real = not args.complex
    expr = parse_expr(args.expr, real=real, name="EXPR")
    wrt = parse_symbols(args.wrt, real=real, name="--wrt")
    if isinstance(expr, sp.MatrixBase):
        if args.hessian:
            raise ArgumentError(
                bad_argument(
                    "--hessian", expr, "give a scalar EXPR; a list [f, g] gives a Jacobian"
                )
            )
        d = jacobian(expr, wrt)
    else:
        d = hessian(expr, wrt) if args.hessian else gradient(expr, wrt)
    if args.format == "latex":
        out.write(to_latex(d) + "\n")
    elif args.format == "numpy":
        fn = to_numpy(d.result, d.default_args(), name=d.kind)
        out.write((fn.__doc__ or "") + "\n")
    else:
        out.write(to_text(d) + "\n")
    return EXIT_OK


def _mle(args: argparse.Namespace, out: TextIO) -> int:
    from ._stats import MLE_CATALOG, mle_catalog

    name = args.model.strip().lower().replace("-", "_")
    if name == "list":
        out.write("\n".join(sorted(MLE_CATALOG)) + "\n")
        return EXIT_OK
    est = mle_catalog(name)
    if args.format == "latex":
        out.write(to_latex(est) + "\n")
        return EXIT_OK
    out.write(to_text(est) + "\n\n")
    if est.estimators:
        out.write("estimators:\n")
        for param, value in est.estimators.items():
            out.write(f"  {param} = {sp.sstr(value)}\n")
    else:
        out.write("estimators: no closed form; .fit(data) solves the score equations\n")
    out.write(f"Fisher information per observation:\n  {sp.sstr(est.fisher_information)}\n")
    return EXIT_OK


def _check(args: argparse.Namespace, out: TextIO) -> int:
    real = not args.complex
    claimed = parse_expr(args.claimed, real=real, name="CLAIMED")
    expected = parse_expr(args.expected, real=real, name="EXPECTED")
    verdict = check(claimed, expected)
    out.write(verdict.message + "\n")
    return EXIT_OK if verdict else EXIT_DIFFERENT


# ---------------------------------------------------------------------------
# symml notes: the spec
# ---------------------------------------------------------------------------
_KINDS = (
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
_DIRECTIVES = ("title", "author", "heading", "text", "label")
_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z _]*?)\s*:\s*(?P<body>.*?)$")
_WRT = re.compile(r"^(?P<expr>.+?)\s+wrt\s+(?P<wrt>.+)$")
_TAYLOR = re.compile(
    r"^(?P<expr>.+?)\s+wrt\s+(?P<wrt>.+?)\s+at\s+(?P<at>.+?)(?:\s+order\s+(?P<order>\S+))?$"
)
_DERIVE: dict[str, Callable[..., Any]] = {
    "gradient": gradient,
    "hessian": hessian,
    "jacobian": jacobian,
    "critical points": critical_points,
}


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` (``,`` or ``=``) outside brackets; ``==``, ``<=``, ... stay whole."""
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


class _Spec:
    """Reads spec lines; every error names the line."""

    def __init__(self, source: str, real: bool) -> None:
        self.source = source
        self.real = real
        self.lineno = 0

    def fail(self, problem: str) -> ParseError:
        return ParseError(f"{self.source}, line {self.lineno}: {problem}")

    def expr(self, text: str, symbols: Sequence[sp.Symbol] = (), what: str = "EXPR") -> Any:
        return parse_expr(text, symbols={s.name: s for s in symbols}, real=self.real, name=what)

    def wrt(self, text: str) -> list[sp.Symbol]:
        return parse_symbols(text, real=self.real, name="wrt")

    def item(self, kind: str, body: str) -> Any:
        if kind in _DERIVE:
            m = _WRT.match(body)
            if not m:
                raise self.fail(
                    f"write '{kind}: EXPR wrt VARIABLES', e.g. '{kind}: x**2*y wrt x y'"
                )
            wrt = self.wrt(m["wrt"])
            return _DERIVE[kind](self.expr(m["expr"], wrt), wrt)
        if kind == "taylor":
            return self.taylor(body)
        if kind == "check":
            sides = _split_top(body, "=")
            if len(sides) != 2:
                raise self.fail(
                    "write 'check: CLAIMED = EXPECTED', "
                    "e.g. 'check: 2*x*cos(x**2) = Derivative(sin(x**2), x)'"
                )
            return check(self.expr(sides[0], what="CLAIMED"), self.expr(sides[1], what="EXPECTED"))
        if kind == "steps":
            chain = _split_top(body, "=")
            if len(chain) < 2:
                raise self.fail("write 'steps: E0 = E1 = E2 ...' with at least two expressions")
            return check_steps([self.expr(e, what=f"step {k}") for k, e in enumerate(chain)])
        if kind == "mle":
            from ._stats import mle_catalog

            return mle_catalog(body.strip().lower().replace("-", "_"))
        return self.expr(body)  # show

    def taylor(self, body: str) -> Any:
        m = _TAYLOR.match(body)
        if not m:
            raise self.fail(
                "write 'taylor: EXPR wrt VARIABLES at POINT [order N]', "
                "e.g. 'taylor: exp(x)*cos(y) wrt x y at x=0, y=0 order 3'"
            )
        wrt = self.wrt(m["wrt"])
        names = {s.name: s for s in wrt}
        values = _split_top(m["at"], ",")
        at: dict[sp.Symbol, Any] = {}
        for k, item in enumerate(values):
            name, eq, value = (p.strip() for p in item.partition("="))
            if not eq:
                if len(values) != len(wrt):
                    raise self.fail(
                        f"'at {m['at']}' gives {len(values)} values for {len(wrt)} variables; "
                        "write 'at x=0, y=1'"
                    )
                name, value = wrt[k].name, item
            if name not in names:
                raise self.fail(
                    f"'at' gives a value for {name!r}, which is not one of the variables "
                    + ", ".join(names)
                )
            at[names[name]] = self.expr(value, what=f"the value of {name}")
        order = m["order"] or "2"
        if not order.isdigit():
            raise self.fail(f"order must be a whole number such as 3, not {order!r}")
        return taylor(self.expr(m["expr"], wrt), wrt, at, order=int(order))


def notes_from_spec(
    text: str, *, source: str = "SPEC", real: bool = True, bold: bool = False
) -> Notes:
    r"""Build :class:`~symml.Notes` from a spec: one derivation per line.

    Grammar (a line starting with ``#`` is a comment; blank lines are skipped)::

        title: TEXT                 the document's title (default: SOURCE)
        author: TEXT
        heading: TEXT               a heading for the next item
        text: TEXT                  a paragraph before the next item; $...$ is math
        label: NAME                 number the next item's result, \label{NAME}
        gradient: EXPR wrt VARS     also hessian: and critical points:
        jacobian: [F1, F2] wrt VARS
        taylor: EXPR wrt VARS at x=0, y=1 [order N]   (order 2 if not given)
        check: CLAIMED = EXPECTED   a verdict, with a counterexample when wrong
        steps: E0 = E1 = E2 ...     a hand derivation, checked step by step
        mle: MODEL                  maximum likelihood of a catalog model (``symml mle list``)
        show: EXPR                  any formula or equation, displayed

    VARS are names separated by spaces or commas; ``wrt``, ``at`` and
    ``order`` are keywords. Every formula is read by :func:`symml.parse_expr`,
    which never runs code.

    Raises
    ------
    ParseError
        A line does not follow the grammar or holds an invalid formula; the
        message starts with ``SOURCE, line N:``. Errors of the derivations
        themselves (``NotDifferentiableError``, ...) name the line too.

    Examples
    --------
    >>> spec = '''
    ... title: Two derivations
    ... heading: A gradient
    ... gradient: x**2*y + exp(x*y) wrt x y
    ... check: 2*x = Derivative(x**2, x)
    ... '''
    >>> notes = notes_from_spec(spec)
    >>> notes.title, len(notes)
    ('Two derivations', 2)
    >>> notes_from_spec("heading: A\ngradient: x**2")
    Traceback (most recent call last):
        ...
    symml.ParseError: SPEC, line 2: write 'gradient: EXPR wrt VARIABLES', ...
    """
    if not isinstance(text, str):
        raise ArgumentError(bad_argument("text", text, "pass the spec as text"))
    spec = _Spec(source, real)
    meta: dict[str, str] = {}
    pending: dict[str, tuple[int, str]] = {}
    items: list[tuple[int, Any, dict[str, str]]] = []
    for spec.lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        key = " ".join(m["key"].lower().replace("_", " ").split()) if m else ""
        if not m or key not in (*_KINDS, *_DIRECTIVES):
            raise spec.fail(
                f"{_quote(line)} does not start with a known 'kind:'; use one of "
                + ", ".join(f"{k}:" for k in (*_KINDS, *_DIRECTIVES))
            )
        body = m["body"]
        if not body:
            raise spec.fail(f"'{key}:' is empty")
        if key in ("title", "author"):
            if key in meta:
                raise spec.fail(f"a second '{key}:' line")
            meta[key] = body
        elif key in ("heading", "text", "label"):
            if key in pending:
                raise spec.fail(f"a second '{key}:' before an item (line {pending[key][0]})")
            pending[key] = (spec.lineno, body)
        else:
            try:
                obj = spec.item(key, body)
            except ParseError as exc:
                if str(exc).startswith(f"{source}, line "):
                    raise
                raise spec.fail(str(exc)) from None
            except SymmlError as exc:
                raise type(exc)(f"{source}, line {spec.lineno}: {exc}") from None
            items.append((spec.lineno, obj, {k: v for k, (_, v) in pending.items()}))
            pending.clear()
    if pending:
        spec.lineno = min(n for n, _ in pending.values())
        raise spec.fail("a heading, text or label with no item after it")
    notes = Notes(meta.get("title") or source, meta.get("author"), bold=bold)
    for spec.lineno, obj, extra in items:
        try:
            notes.add(obj, extra.get("heading"), extra.get("text"), label=extra.get("label"))
        except SymmlError as exc:
            raise spec.fail(str(exc)) from None
    return notes


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _notes(args: argparse.Namespace, out: TextIO) -> int:
    if args.spec.strip() == "-":  # (main may have put a space before it)
        text, source, default = sys.stdin.read(), "<stdin>", Path("notes.pdf")
    else:
        path = Path(args.spec)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SymmlError(f"cannot read SPEC {args.spec!r}: {exc}") from None
        source, default = path.name, path.with_suffix(".pdf")
    target = Path(args.output) if args.output else default
    if target.suffix.lower() not in (".pdf", ".tex", ".md"):
        raise SymmlError(f"-o {str(target)!r}: use a file name ending in .pdf, .tex or .md")
    notes = notes_from_spec(text, source=source, real=not args.complex, bold=args.bold)
    try:
        notes.write(target)
    except OSError as exc:
        raise SymmlError(f"cannot write {str(target)!r}: {exc}") from None
    out.write(f"wrote {target} ({len(notes)} items)\n")
    return EXIT_OK


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    import numpy as np

    def say(text: str = "") -> None:
        out.write(text + "\n")

    x, y = sp.symbols("x y", real=True)
    rosenbrock = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    notes = Notes("symml demo: derivations with steps")

    say("== 1. Gradient of the Rosenbrock function, rule by rule ==")
    g = gradient(rosenbrock, [x, y])
    say(to_text(g))
    say(f"numeric self-check: {g.verify().message}")
    notes.add(g, heading="Gradient of the Rosenbrock function")

    say("\n== 2. Its Hessian ==")
    H = hessian(rosenbrock, [x, y])
    say("H = " + sp.sstr(H.result))
    say(f"numeric self-check: {H.verify().message}")
    notes.add(H, heading="Hessian of the Rosenbrock function")

    say("\n== 3. The gradient as vectorised NumPy code ==")
    grad = g.to_numpy()
    xs = np.linspace(-1.0, 1.0, 3)
    say(f"grad(xs, 1.0) for xs = {xs}:\n{grad(xs, 1.0)}")

    say("\n== 4. Checking a hand derivation: d/dx sin(x^2) ==")
    target = sp.Derivative(sp.sin(x**2), x)
    for claim in (2 * x * sp.cos(x**2), -2 * x * sp.cos(x**2)):
        v = check(claim, target)
        say(f"claimed {claim}: {v.message}")
        notes.add(v, heading=f"Check: is ${to_latex(claim)}$ the derivative of $\\sin(x^2)$?")

    say("\n== 5. A derivation with a slip in it ==")
    chain = [
        sp.Derivative(x * sp.exp(2 * x), x),
        sp.exp(2 * x) + x * sp.Derivative(sp.exp(2 * x), x),
        sp.exp(2 * x) + x * sp.exp(2 * x),  # the chain-rule factor 2 is missing
        (1 + x) * sp.exp(2 * x),
    ]
    sv = check_steps(chain)
    say(sv.message)
    notes.add(
        sv,
        heading="A hand derivation with a slip",
        text="The chain rule's factor 2 is lost in step 2; the check finds the step.",
    )

    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    tex = notes.write(folder / "notes.tex")
    md = notes.write(folder / "notes.md")
    say(f"\nLaTeX notes written to {tex} (and Markdown to {md}).")
    if shutil.which(PDFLATEX):
        say(f"PDF notes written to {notes.write(folder / 'notes.pdf')}.")
    else:
        say(f"{PDFLATEX} not found, so no PDF: install TeX Live or compile {tex} elsewhere.")
    return EXIT_OK


_COMMANDS = {"derive": _derive, "check": _check, "mle": _mle, "notes": _notes, "demo": _demo}


_SHORT_OPTIONS = {"-h", "-o"}


def _protect_negative(argv: Sequence[str]) -> list[str]:
    """Let expressions start with a minus sign: ``symml check "-2*x" "x"``.

    argparse takes any word starting with ``-`` for an option; a word that is
    not one of ours (``--...`` or a known short option) is an expression, so
    it gets a leading space, which argparse ignores and ``parse_expr`` strips.
    """
    return [
        f" {a}" if a.startswith("-") and not a.startswith("--") and a not in _SHORT_OPTIONS else a
        for a in argv
    ]


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the ``symml`` command; return its exit status.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> main(["check", "2*x*cos(x**2)", "Derivative(sin(x**2), x)"], out=buf)
    0
    >>> buf.getvalue().startswith("equivalent")
    True
    """
    stream = sys.stdout if out is None else out
    args = _build_parser().parse_args(_protect_negative(sys.argv[1:] if argv is None else argv))
    try:
        return _COMMANDS[args.command](args, stream)
    except BrokenPipeError:  # e.g. `symml mle normal | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_DIFFERENT
    except SymmlError as exc:
        sys.stderr.write(f"symml {args.command}: error: {exc}\n")
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
