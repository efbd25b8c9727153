"""The ``symml`` command: the library's functions from a terminal.

============  =================================================================
subcommand    what it does
============  =================================================================
``derive``    gradient (or ``--hessian``) of an expression, with steps
``check``     is a claimed result equal to an expected one? (exit 0 / 1 / 2)
``notes``     a PDF, LaTeX or Markdown document from a spec of derivations,
              one per line (grammar: :func:`notes_from_spec`)
``check-steps``  every chain of equalities (``align*``, ``aligned``,
              ``equation*``, ``$$``) in a ``.tex``/``.md`` file or a notebook's
              Markdown cells, checked step by step (exit 0 / 1 / 2)
``demo``      the tour: derivations with steps, a checked hand derivation,
              NumPy code, and the notes written to a folder (``.tex``,
              ``.md``, and ``.pdf`` when ``pdflatex`` is installed)
``app``       serve the explorers (or a given notebook) as a web page with
              Voilà on this machine; prints the address, Ctrl-C stops it
============  =================================================================

Text from the command line and from spec files is parsed by
:func:`symml.parse_expr`, which never executes code; symbols are real unless
``--complex`` is given.

Exit status: 0 success (``check``: equivalent), 1 ``check``: not equivalent
(the counterexample is printed) or ``check-steps``: a wrong step (file, line,
the step and a counterexample are printed), 2 bad input (a one-line message on
stderr; for ``check-steps`` also a chain that cannot be read).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import sympy as sp

from ._calculus import critical_points, gradient, hessian, jacobian, taylor
from ._check import check, check_steps
from ._codegen import to_numpy
from ._core import ArgumentError, SymmlError, bad_argument
from ._parse import find_latex_chains, parse_expr, parse_symbols, read_latex_chain
from ._render import (
    PDFLATEX,
    SPEC_DIRECTIVES,
    SPEC_KINDS,
    Notes,
    SpecItem,
    build_notes,
    parse_spec,
    to_latex,
    to_text,
)
from ._stats import MLE_CATALOG, mle_catalog

__all__ = ["main", "notes_from_spec"]

EXIT_OK, EXIT_DIFFERENT, EXIT_BAD_INPUT = 0, 1, 2
MAX_SPEC_BYTES = 1_000_000
"""Largest notes spec read (``symml notes /dev/zero`` stops here)."""


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
        + ", ".join(f"{k}:" for k in SPEC_KINDS)
        + "; directives for the document or the next item: "
        + ", ".join(f"{k}:" for k in SPEC_DIRECTIVES)
        + ". Lines starting with # are comments.",
    )
    notes.add_argument("spec", help="the spec file ('-' reads standard input)")
    notes.add_argument(
        "-o",
        "--output",
        help="notes.pdf, notes.tex or notes.md (default: SPEC with the suffix .pdf); "
        "never the SPEC itself; written whole or not at all",
    )
    notes.add_argument("--bold", action="store_true", help="bold vectors and matrices")
    notes.add_argument("--complex", action="store_true", help="symbols are complex, not real")

    steps = sub.add_parser(
        "check-steps",
        help="check every chain of equalities in a .tex, .md or .ipynb file",
        description="Check each align*/aligned/equation*/$$ chain of FILE step by step "
        "(a notebook's Markdown cells). Exit 0: every step holds; 1: a wrong step "
        "(file, line, the step and a counterexample are printed); 2: unreadable input.",
    )
    steps.add_argument("file", help="notes.tex, notes.md or notebook.ipynb")

    mle = sub.add_parser("mle", help="maximum-likelihood estimators of a textbook model")
    mle.add_argument(
        "model", help="normal, poisson, exponential, gamma, ... (see 'symml mle list')"
    )
    mle.add_argument("--format", choices=("text", "latex"), default="text")

    demo = sub.add_parser("demo", help="a tour of symml; writes notes to --out")
    demo.add_argument(
        "--out", default="symml-demo", help="folder for the notes (default: symml-demo)"
    )
    _add_app_parser(sub)
    return parser


def _add_app_parser(sub: Any) -> None:
    app = sub.add_parser(
        "app",
        help="serve the explorers as a web page (Voila on this machine; Ctrl-C stops)",
        description="Serve NOTEBOOK (default: symml's explorers) with Voila on 127.0.0.1 "
        "and print its address. Needs pip install 'symml[browser]'.",
    )
    app.add_argument("notebook", nargs="?", help="a .ipynb file (default: the explorers)")
    app.add_argument(
        "--port", type=int, help="port to listen on (default: 8866 if free; 0: any free port)"
    )


def _app(args: argparse.Namespace, out: TextIO) -> int:
    """Serve the explorers until Ctrl-C (SIGINT) or SIGTERM; stop Voila by its pid."""
    import signal
    import time

    from .widgets import ExplorerServer

    server = ExplorerServer(args.notebook, port=args.port)
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.start()
        what = args.notebook or "the symml explorers"
        out.write(f"symml app: serving {what} at {server.url} (Voila pid {server.pid})\n")
        out.write("symml app: press Ctrl-C to stop\n")
        out.flush()
        while server.running():
            time.sleep(0.2)
        out.write("symml app: the server stopped by itself\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        out.write("symml app: stopping\n")
        return EXIT_OK
    finally:
        started = server.url is not None
        server.stop()
        signal.signal(signal.SIGTERM, previous)
        if started:
            out.write("symml app: stopped\n")
            out.flush()


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


def _catalog_name(text: str) -> str:
    """A model's name as the catalog spells it: ``"Negative-Binomial"`` is ``negative_binomial``."""
    return text.strip().lower().replace("-", "_")


def _mle(args: argparse.Namespace, out: TextIO) -> int:
    name = _catalog_name(args.model)
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
# symml check-steps FILE: the chains of LaTeX notes
# ---------------------------------------------------------------------------
def _latex_parts(path: Path) -> list[tuple[str, str]]:
    """``(where, text)`` of each part of FILE holding LaTeX: the file, or each Markdown cell."""
    suffix = path.suffix.lower()
    if suffix not in (".tex", ".md", ".markdown", ".ipynb"):
        raise SymmlError(f"FILE {str(path)!r}: use a .tex, .md or .ipynb file")
    shown = f"FILE {str(path)!r}"
    text = _read_limited(path, shown, SymmlError(f"{shown} is longer than {MAX_SPEC_BYTES} bytes"))
    if suffix != ".ipynb":
        return [(str(path), text)]
    try:
        cells = json.loads(text)["cells"]
        parts = []
        for number, cell in enumerate(cells, start=1):
            if cell.get("cell_type") == "markdown":
                source = cell.get("source", "")
                source = source if isinstance(source, str) else "".join(source)
                parts.append((f"{path}:cell {number}", source))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SymmlError(f"FILE {str(path)!r} is not a notebook: {exc}") from None
    return parts


def _check_steps_file(args: argparse.Namespace, out: TextIO) -> int:
    wrong, unreadable, checked = 0, 0, 0
    for where, text in _latex_parts(Path(args.file)):
        for line, block in find_latex_chains(text):
            try:
                chain = read_latex_chain(block, first_line=line, name="chain")
            except ArgumentError:
                continue  # one expression, or a single definition: nothing to check
            except SymmlError as exc:
                unreadable += 1
                out.write(f"{where}:{line}: cannot read the chain: {_one_line(str(exc), 300)}\n")
                continue
            if not chain.checkable:
                continue
            checked += 1
            verdict = check_steps(chain)
            if verdict:
                out.write(f"{where}:{line}: {verdict.message}\n")
                continue
            wrong += 1
            bad = verdict.first_bad or 0
            at = verdict.lines[bad] if bad < len(verdict.lines) else line
            out.write(f"{where}:{at}: {verdict.message}\n")
            for note in verdict.notes:
                out.write(f"  note: {note}\n")
    if not checked and not unreadable:
        out.write(f"{args.file}: no chains of equalities found\n")
    if wrong:
        return EXIT_DIFFERENT
    if unreadable:
        raise SymmlError(
            f"{unreadable} chain{'s' * (unreadable > 1)} in {args.file!r} could not be read"
        )
    return EXIT_OK


# ---------------------------------------------------------------------------
# symml notes: the spec (read by symml._render; the derivations are done here)
# ---------------------------------------------------------------------------
_DERIVE: dict[str, Callable[..., Any]] = {
    "gradient": gradient,
    "hessian": hessian,
    "jacobian": jacobian,
    "critical points": critical_points,
}


def _spec_result(item: SpecItem, real: bool) -> Any:
    """The result of one spec item: its formulas parsed, its derivation done."""

    def expr(text: str, symbols: Sequence[sp.Symbol] = (), what: str = "EXPR") -> Any:
        return parse_expr(text, symbols={s.name: s for s in symbols}, real=real, name=what)

    wrt = parse_symbols(item.wrt, real=real, name="wrt") if item.wrt else []
    if item.kind in _DERIVE:
        return _DERIVE[item.kind](expr(item.formulas[0], wrt), wrt)
    if item.kind == "taylor":
        names = {s.name: s for s in wrt}
        at = {names[n]: expr(v, what=f"the value of {n}") for n, v in item.at}
        return taylor(expr(item.formulas[0], wrt), wrt, at, order=item.order)
    if item.kind == "check":
        claimed, expected = item.formulas
        return check(expr(claimed, what="CLAIMED"), expr(expected, what="EXPECTED"))
    if item.kind == "steps":
        return check_steps([expr(e, what=f"step {k}") for k, e in enumerate(item.formulas)])
    if item.kind == "mle":
        return mle_catalog(_catalog_name(item.formulas[0]))
    return expr(item.formulas[0])  # show


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
    spec = parse_spec(text, source=source)
    return build_notes(spec, lambda item: _spec_result(item, real), bold=bold)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (links and ``..`` included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # b does not exist yet
        return a.resolve() == b.resolve()


def _read_spec(spec: str) -> tuple[str, str, Path]:
    """``(text, source name, default output)`` of SPEC, at most :data:`MAX_SPEC_BYTES` long."""
    too_long = SymmlError(
        f"SPEC {spec.strip()!r} is longer than {MAX_SPEC_BYTES} bytes: "
        "split the notes into several specs"
    )
    if spec.strip() == "-":  # (main may have put a space before it)
        text = sys.stdin.read(MAX_SPEC_BYTES + 1)
        if len(text) > MAX_SPEC_BYTES:
            raise too_long
        return text, "<stdin>", Path("notes.pdf")
    path = Path(spec)
    text = _read_limited(path, f"SPEC {spec!r}", too_long)
    return text, path.name, path.with_suffix(".pdf")


def _read_limited(path: Path, shown: str, too_long: SymmlError) -> str:
    """The UTF-8 text of ``path``: ``too_long`` past :data:`MAX_SPEC_BYTES`, a SymmlError
    naming ``shown`` (``"SPEC 'notes.txt'"``) when it cannot be read."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SPEC_BYTES + 1)
        if len(data) > MAX_SPEC_BYTES:
            raise too_long
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SymmlError(f"cannot read {shown}: {exc}") from None


def _notes(args: argparse.Namespace, out: TextIO) -> int:
    text, source, default = _read_spec(args.spec)
    target = Path(args.output) if args.output else default
    if target.suffix.lower() not in (".pdf", ".tex", ".md"):
        raise SymmlError(f"-o {str(target)!r}: use a file name ending in .pdf, .tex or .md")
    if args.spec.strip() != "-" and _same_file(Path(args.spec), target):
        raise SymmlError(
            f"the output {str(target)!r} is the SPEC itself; choose another name with -o"
        )
    notes = notes_from_spec(text, source=source, real=not args.complex, bold=args.bold)
    try:
        notes.write(target)
    except OSError as exc:
        raise SymmlError(f"cannot write {str(target)!r}: {exc}") from None
    out.write(f"wrote {target} ({len(notes)} items)\n")
    return EXIT_OK


def _output_folder(name: str) -> Path:
    """The folder ``--out`` names, created and checked writable before any work is done."""
    folder = Path(name)
    if folder.exists() and not folder.is_dir():
        raise SymmlError(f"--out {name!r} is a file, not a folder: name a folder for the notes")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SymmlError(f"--out {name!r}: cannot create the folder: {exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SymmlError(f"--out {name!r}: the folder is not writable")
    return folder


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    def say(text: str = "") -> None:
        out.write(text + "\n")

    folder = _output_folder(args.out)
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

    tex = notes.write(folder / "notes.tex")
    md = notes.write(folder / "notes.md")
    say(f"\nLaTeX notes written to {tex} (and Markdown to {md}).")
    if shutil.which(PDFLATEX):
        say(f"PDF notes written to {notes.write(folder / 'notes.pdf')}.")
    else:
        say(f"{PDFLATEX} not found, so no PDF: install TeX Live or compile {tex} elsewhere.")
    return EXIT_OK


_COMMANDS = {
    "derive": _derive,
    "check": _check,
    "check-steps": _check_steps_file,
    "mle": _mle,
    "notes": _notes,
    "demo": _demo,
    "app": _app,
}


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
        problem = str(exc)
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            problem = _unexpected(exc)
        else:  # Python's limit on printing integers (4300 digits by default)
            problem = (
                "the result holds an integer too long to print "
                f"(over {getattr(sys, 'get_int_max_str_digits', lambda: 4300)()} digits); "
                "use smaller numbers"
            )
    except Exception as exc:  # one line and status 2, whatever went wrong
        problem = _unexpected(exc)
    sys.stderr.write(f"symml {args.command}: error: {_one_line(problem)}\n")
    return EXIT_BAD_INPUT


def _one_line(text: str, limit: int = 2000) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _unexpected(exc: Exception) -> str:
    try:
        detail = str(exc)
    except ValueError:  # a message holding an integer too long to print
        detail = ""
    return f"{type(exc).__name__}: {detail} (this is a bug in symml: please report it)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
