"""The ``symml`` command: the library's functions from a terminal.

============  =================================================================
subcommand    what it does
============  =================================================================
``derive``    gradient (or ``--hessian``) of an expression, with steps
``check``     is a claimed result equal to an expected one? (exit 0 / 1 / 2)
``demo``      the tour: derivations with steps, a checked hand derivation,
              NumPy code, and the LaTeX written to a file
============  =================================================================

Text from the command line is parsed by :func:`symml.parse_expr`, which never
executes code; symbols are real unless ``--complex`` is given.

Exit status: 0 success (``check``: equivalent), 1 ``check``: not equivalent
(the counterexample is printed), 2 bad input (a one-line message on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import sympy as sp

from ._calculus import gradient, hessian, jacobian
from ._check import check, check_steps
from ._errors import SymmlError
from ._latex import to_latex, to_text
from ._notes import Notes
from ._numeric import to_numpy
from ._parse import parse_expr, parse_symbols

__all__ = ["main"]

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
            raise SymmlError("--hessian needs a scalar EXPR; a list gives its Jacobian")
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


def _check(args: argparse.Namespace, out: TextIO) -> int:
    real = not args.complex
    claimed = parse_expr(args.claimed, real=real, name="CLAIMED")
    expected = parse_expr(args.expected, real=real, name="EXPECTED")
    verdict = check(claimed, expected)
    out.write(verdict.message + "\n")
    return EXIT_OK if verdict else EXIT_DIFFERENT


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
        notes.add(v, heading=f"Check: is {claim} the derivative of sin(x^2)?")

    say("\n== 5. A derivation with a slip in it ==")
    chain = [
        sp.Derivative(x * sp.exp(2 * x), x),
        sp.exp(2 * x) + x * sp.Derivative(sp.exp(2 * x), x),
        sp.exp(2 * x) + x * sp.exp(2 * x),  # the chain-rule factor 2 is missing
        (1 + x) * sp.exp(2 * x),
    ]
    sv = check_steps(chain)
    say(sv.message)
    notes.add(sv.verdict, heading="The first step that does not follow")

    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    tex = notes.write(folder / "notes.tex")
    md = notes.write(folder / "notes.md")
    say(f"\nLaTeX notes written to {tex} (and Markdown to {md}).")
    return EXIT_OK


_COMMANDS = {"derive": _derive, "check": _check, "demo": _demo}


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
    except SymmlError as exc:
        sys.stderr.write(f"symml {args.command}: error: {exc}\n")
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
