"""``Notes``: collect derivations, verdicts and SymPy objects into a document.

=================  =============================================================
name               what it does
=================  =============================================================
``Notes``          ``add`` results; ``to_tex`` (a standalone ``article``),
                   ``to_markdown`` (``$$`` blocks), ``write(path)`` by suffix:
                   ``.tex``, ``.md`` or ``.pdf`` (through ``pdflatex``)
``compile_latex``  a LaTeX document → PDF bytes, in a temporary folder
``LatexError``     ``pdflatex`` is missing, failed or ran out of time
=================  =============================================================

All LaTeX comes from :mod:`.blocks`; this module assembles it and runs
``pdflatex``.

How a PDF is made
-----------------
``pdflatex -halt-on-error -interaction=nonstopmode -no-shell-escape`` runs in a
fresh temporary folder, with ``openin_any=p`` and ``openout_any=p`` (no reading
or writing outside that folder) and a time limit. When the document fails,
each block (one ``add``) is compiled on its own to find the ones at fault, and
the :class:`LatexError` names them: their number, heading and LaTeX's message.

Text (``heading=`` and ``text=``) is escaped, so ``%``, ``_`` or ``&`` print as
written; ``$...$`` stays inline math, and common Unicode symbols (Greek
letters, ``∇``, ``≤``, ``→``, ...) become their LaTeX commands.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy as sp

from .._core import ArgumentError, Derivation, LatexError, Verdict, bad_argument
from .blocks import display_latex
from .layout import DEFAULT_WIDTH, check_numbering, check_width
from .printer import escape_text, latex_expr
from .verdicts import is_steps_verdict, verdict_sentence

__all__ = ["LatexError", "Notes", "compile_latex"]

PDFLATEX = "pdflatex"
_INSTALL_HINT = (
    "install TeX Live (Debian/Ubuntu: apt-get install texlive-latex-base "
    "texlive-latex-recommended lmodern), or write a .tex file and compile it elsewhere"
)


# ---------------------------------------------------------------------------
# Prose: headings and paragraphs
# ---------------------------------------------------------------------------
_UNICODE_MATH = {
    "∇": r"\nabla",
    "∂": r"\partial",
    "≤": r"\leq",
    "≥": r"\geq",
    "≠": r"\neq",
    "≈": r"\approx",
    "→": r"\to",
    "↦": r"\mapsto",
    "×": r"\times",
    "·": r"\cdot",
    "⊙": r"\odot",
    "∞": r"\infty",
    "∑": r"\sum",
    "∏": r"\prod",
    "√": r"\surd",
    "∈": r"\in",
    "±": r"\pm",
    "−": "-",
    "²": "^{2}",
    "³": "^{3}",
    "ᵀ": r"^{\top}",
    "⊤": r"\top",
    "‖": r"\|",
    **{
        chr(0x3B1 + i): ("\\" + name if name != "o" else name)
        for i, name in enumerate(
            "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
            "o pi rho varsigma sigma tau upsilon phi chi psi omega".split()
        )
    },
    "Γ": r"\Gamma",
    "Δ": r"\Delta",
    "Θ": r"\Theta",
    "Λ": r"\Lambda",
    "Σ": r"\Sigma",
    "Φ": r"\Phi",
    "Ψ": r"\Psi",
    "Ω": r"\Omega",
}
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE_MATH)))


def _prose(text: str) -> str:
    """Text for LaTeX: escaped, ``$...$`` kept as math, Unicode symbols as commands."""
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an unmatched $: no math at all
        parts = [text]
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"${_UNICODE_RE.sub(lambda m: _UNICODE_MATH[m.group()] + ' ', part)}$")
        else:
            out.append(
                _UNICODE_RE.sub(lambda m: f"${_UNICODE_MATH[m.group()]}$", escape_text(part))
            )
    return "".join(out)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Block:
    """One ``add``: rendered once, for both formats."""

    heading: str | None
    text: str | None
    intro_tex: str
    intro_md: str
    display_tex: str
    display_md: str
    after_tex: str
    after_md: str

    def tex(self) -> str:
        parts = []
        if self.heading:
            parts.append(rf"\section*{{{_prose(self.heading)}}}")
        if self.text:
            parts.append(_prose(self.text) + "\n")
        if self.intro_tex:
            parts.append(self.intro_tex + "\n")
        if self.display_tex:
            parts.append(self.display_tex)
        if self.after_tex:
            parts.append(self.after_tex + "\n")
        return "\n".join(parts)

    def markdown(self) -> list[str]:
        parts = []
        if self.heading:
            parts.append(f"## {self.heading}")
        if self.text:
            parts.append(self.text)
        if self.intro_md:
            parts.append(self.intro_md)
        if self.display_md:
            parts.append(f"$$\n{self.display_md}\n$$")
        if self.after_md:
            parts.append(self.after_md)
        return parts


def _derivation_intro(d: Derivation, settings: Mapping[str, Any], bold: str) -> str:
    """``**Gradient** of $f = ...$ with respect to $x$, $y$ (assuming ...).``"""
    head = bold.format(escape_text(_capital(d.kind)))
    src = d.source
    if isinstance(src, sp.Expr) and not isinstance(src, sp.MatrixBase):
        # always: a derivative of a long f is written d/dx f in the block below
        head += f" of $f = {latex_expr(src, **settings)}$"
    if d.wrt:
        head += " with respect to " + ", ".join(f"${latex_expr(s, **settings)}$" for s in d.wrt)
    if d.assumptions:
        head += " (assuming " + escape_text("; ".join(d.assumptions)) + ")"
    return head + "."


def _verdict_notes(v: Any) -> list[str]:
    notes = list(getattr(v, "notes", ()) or ())
    if is_steps_verdict(v):
        notes = [n for sub in v.verdicts for n in (sub.notes or ())]
    return [n for n in notes if n]


def _render(
    obj: Any,
    heading: str | None,
    text: str | None,
    label: str | None,
    width: float | None,
    settings: Mapping[str, Any],
) -> _Block:
    if obj is None:
        raise ArgumentError(bad_argument("obj", obj, "pass a Derivation, Verdict or SymPy object"))
    kw = {"number": label is not None, "label": label, "width": width, **settings}
    md_kw = {"width": width, **settings}
    intro_tex = intro_md = after_tex = after_md = ""
    if isinstance(obj, Derivation):
        d_settings = dict(settings)
        intro_tex = _derivation_intro(obj, d_settings, r"\textbf{{{}}}")
        intro_md = _derivation_intro(obj, d_settings, "**{}**")
    elif isinstance(obj, Verdict) or is_steps_verdict(obj):
        after_tex = verdict_sentence(obj)
        after_md = after_tex
        notes = _verdict_notes(obj)
        if notes:
            after_tex += r" \emph{Notes:} " + escape_text("; ".join(notes)) + "."
            after_md += " *Notes:* " + "; ".join(notes) + "."
    display_tex = display_latex(obj, **kw)
    display_md = display_latex(obj, environment="markdown", **md_kw)
    return _Block(heading, text, intro_tex, intro_md, display_tex, display_md, after_tex, after_md)


# ---------------------------------------------------------------------------
# Running pdflatex
# ---------------------------------------------------------------------------
def _latex_errors(log: str) -> str:
    """LaTeX's first error message and the line it points at, from a log."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            message = line[1:].strip()
            for follow in lines[i + 1 : i + 8]:
                m = re.match(r"l\.(\d+) ?(.*)", follow)
                if m:
                    return f"{message} (line {m[1]}: {m[2].strip()!r})"
            return message
    return "no error message in the log (see LatexError.log)"


def compile_latex(tex: str, *, timeout: float = 60.0) -> bytes:
    """Compile a LaTeX document with ``pdflatex``; return the PDF's bytes.

    Runs in a temporary folder with ``-halt-on-error -interaction=nonstopmode
    -no-shell-escape``, reading and writing only there, for at most
    ``timeout`` seconds.

    Raises
    ------
    LatexError
        ``pdflatex`` is not installed (``reason="missing"``), the document
        has an error (``"error"``; the message quotes LaTeX's), or it ran out
        of time (``"timeout"``).

    Examples
    --------
    >>> pdf = compile_latex(Notes("Empty").to_tex())   # needs pdflatex
    >>> pdf[:5]
    b'%PDF-'
    """
    return _run_pdflatex(tex, timeout)[0]


def _run_pdflatex(tex: str, timeout: float) -> tuple[bytes, str]:
    """The PDF and LaTeX's log (which holds the warnings, e.g. overfull lines)."""
    exe = shutil.which(PDFLATEX)
    if exe is None:
        raise LatexError(
            f"the program {PDFLATEX!r} was not found on PATH; {_INSTALL_HINT}", reason="missing"
        )
    # paranoid file access; long log lines (whole error messages, unwrapped)
    env = {**os.environ, "openin_any": "p", "openout_any": "p", "max_print_line": "1000"}
    args = [exe, "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape", "notes.tex"]
    with tempfile.TemporaryDirectory(prefix="symml-latex-") as folder:
        Path(folder, "notes.tex").write_text(tex, encoding="utf-8")
        try:
            proc = subprocess.run(
                args,
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise LatexError(
                f"{PDFLATEX} did not finish within {timeout:g} s", reason="timeout"
            ) from None
        log_path, pdf = Path(folder, "notes.log"), Path(folder, "notes.pdf")
        log = (
            log_path.read_text(encoding="utf-8", errors="replace")
            if log_path.exists()
            else proc.stdout.decode("utf-8", errors="replace")
        )
        if proc.returncode != 0 or not pdf.exists():
            raise LatexError(f"{PDFLATEX} failed: {_latex_errors(log)}", log=log[-4000:])
        return pdf.read_bytes(), log


# ---------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------
_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage[a4paper,margin=2cm]{geometry}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}"""


class Notes:
    """Collect derivations, verdicts and SymPy objects into a LaTeX/Markdown document.

    Parameters
    ----------
    title : str
    author : str, optional
    bold : bool, default False
        Print vectors and matrices (``MatrixSymbol``) in bold.
    width : float or None, default 75
        Line width in characters; longer sums are broken across lines.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x = sp.Symbol("x", real=True)
    >>> notes = symml.Notes("Calculus")
    >>> notes.add(symml.gradient(x**2, [x]), heading="A gradient", label="eq:grad")
    >>> notes.add(symml.check(2*x, sp.Derivative(x**2, x)), text="A check, by $f'(x)$.")
    >>> tex = notes.to_tex()
    >>> tex.startswith("\\\\documentclass")
    True
    >>> "\\\\section*{A gradient}" in tex and "\\\\label{eq:grad}" in tex
    True
    >>> print(notes.to_markdown())
    # Calculus
    <BLANKLINE>
    ## A gradient
    <BLANKLINE>
    **Gradient** of $f = x^{2}$ with respect to $x$ (assuming x real).
    <BLANKLINE>
    $$
    \\begin{aligned}
    \\frac{d}{d x} x^{2} &= 2 x && \\text{power rule} \\\\
    \\nabla_{x} f &= \\left[\\begin{matrix}2 x\\end{matrix}\\right] && \\text{collect ...}
    \\end{aligned}
    $$
    <BLANKLINE>
    A check, by $f'(x)$.
    <BLANKLINE>
    $$
    \\begin{aligned}
    \\text{claimed} &= 2 x \\\\
    \\text{expected} &= 2 x
    \\end{aligned}
    $$
    <BLANKLINE>
    Equivalent (symbolic).
    <BLANKLINE>
    >>> notes.write("notes.pdf")                      # doctest: +SKIP
    PosixPath('notes.pdf')
    """

    def __init__(
        self,
        title: str,
        author: str | None = None,
        *,
        bold: bool = False,
        width: float | None = DEFAULT_WIDTH,
    ) -> None:
        if not isinstance(title, str) or not title.strip():
            raise ArgumentError(bad_argument("title", title, "give the document a title"))
        if author is not None and not isinstance(author, str):
            raise ArgumentError(bad_argument("author", author, "give the author as text"))
        self.title = title
        self.author = author
        self._settings: dict[str, Any] = {"bold": bool(bold)}
        self._width = check_width(width)
        self._blocks: list[_Block] = []

    def add(
        self,
        obj: Any,
        heading: str | None = None,
        text: str | None = None,
        *,
        label: str | None = None,
    ) -> None:
        """Add a result with an optional heading and paragraph of text.

        Parameters
        ----------
        obj : Derivation, Verdict, StepsVerdict, SymPy object, mapping, or
            any object with ``_repr_latex_`` (a fit, ...)
        heading : str, optional
            A section heading.
        text : str, optional
            A paragraph before the result; ``$...$`` is inline math.
        label : str, optional
            Number the result's equation and label it (``"eq:grad"``).

        The object is rendered now, so what cannot be rendered fails here
        (``ArgumentError``), not when the document is written.
        """
        for name, value in (("heading", heading), ("text", text)):
            if value is not None and not isinstance(value, str):
                raise ArgumentError(bad_argument(name, value, f"give the {name} as text"))
        check_numbering("align*", False, label)
        self._blocks.append(_render(obj, heading, text, label, self._width, self._settings))

    def __len__(self) -> int:
        return len(self._blocks)

    # -- formats ----------------------------------------------------------------
    def _head(self) -> list[str]:
        return [
            _PREAMBLE,
            rf"\title{{{_prose(self.title)}}}",
            rf"\author{{{_prose(self.author or '')}}}",
            r"\date{}",
            r"\begin{document}",
            r"\maketitle",
        ]

    def block_tex(self, index: int) -> str:
        """The LaTeX of block ``index`` (0-based, in the order of :meth:`add`)."""
        return self._blocks[index].tex()

    def to_tex(self) -> str:
        """A standalone ``article`` (amsmath) that compiles with ``pdflatex``."""
        body = [block.tex() for block in self._blocks]
        return "\n".join([*self._head(), *body, r"\end{document}", ""])

    def _single(self, index: int) -> str:
        return "\n".join([*self._head(), self.block_tex(index), r"\end{document}", ""])

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def to_markdown(self) -> str:
        """Markdown with ``$$`` blocks (renders in Jupyter and on GitHub)."""
        parts = [f"# {self.title}"]
        if self.author:
            parts.append(f"*{self.author}*")
        for block in self._blocks:
            parts.extend(block.markdown())
        return "\n\n".join(parts) + "\n"

    def to_pdf(self, *, timeout: float = 60.0) -> bytes:
        """The document compiled by ``pdflatex``, as PDF bytes.

        Raises
        ------
        LatexError
            ``pdflatex`` is missing, or the document does not compile: the
            message names the blocks that fail on their own (number and
            heading) with LaTeX's error message.
        """
        tex = self.to_tex()
        try:
            return compile_latex(tex, timeout=timeout)
        except LatexError as exc:
            if exc.reason != "error":  # pdflatex is missing or ran out of time
                raise
            failing = []
            for i, block in enumerate(self._blocks):
                try:
                    compile_latex(self._single(i), timeout=timeout)
                except LatexError as inner:
                    name = f" ({block.heading!r})" if block.heading else ""
                    failing.append((i + 1, f"block {i + 1}{name}: {inner}"))
            where = "; ".join(msg for _, msg in failing) or str(exc)
            raise LatexError(
                f"the notes do not compile: {where}",
                blocks=tuple(n for n, _ in failing),
                log=exc.log,
            ) from None

    def write(self, path: str | os.PathLike[str], *, timeout: float = 60.0) -> Path:
        """Write ``.tex``, ``.md`` or ``.pdf`` (chosen by the file's suffix); return the path.

        A PDF is made by ``pdflatex`` (see :meth:`to_pdf`); nothing is written
        when it fails.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".tex":
            target.write_text(self.to_tex(), encoding="utf-8")
        elif suffix == ".md":
            target.write_text(self.to_markdown(), encoding="utf-8")
        elif suffix == ".pdf":
            target.write_bytes(self.to_pdf(timeout=timeout))
        else:
            raise ArgumentError(
                bad_argument("path", str(path), "use a file name ending in .tex, .md or .pdf")
            )
        return target
