"""``Notes``: collect derivations, verdicts and SymPy objects into a document.

=================  =============================================================
name               what it does
=================  =============================================================
``Notes``          ``add`` results; ``to_tex`` (a standalone ``article``),
                   ``to_markdown`` (``$$`` blocks), ``write(path)`` by suffix:
                   ``.tex``, ``.md`` or ``.pdf`` (through ``pdflatex``)
``write_atomic``   a file written whole or not at all (temporary file, then
                   ``os.replace``)
``LatexError``     ``pdflatex`` is missing, failed or ran out of time
=================  =============================================================

All LaTeX comes from :mod:`.blocks` (results) and :mod:`.prose` (title,
author, headings and text: escaped, math checked against an allowlist of
commands); this module assembles it. PDFs are made by :mod:`.engine`, which
runs ``pdflatex`` in a sandbox with bounded time, memory and disk. When the
document fails, the :class:`LatexError` names the block (one ``add``) that
LaTeX's error points at -- its number, heading and LaTeX's message -- from
that one run.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy as sp

from .._core import ArgumentError, Derivation, LatexError, Verdict, bad_argument
from .blocks import display_latex
from .engine import DEFAULT_TIMEOUT, LatexRun, run_pdflatex
from .layout import DEFAULT_WIDTH, check_numbering, check_width
from .printer import escape_text, latex_expr
from .prose import prose_latex
from .verdicts import is_steps_verdict, verdict_sentence

__all__ = ["LatexError", "Notes", "write_atomic"]


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
            parts.append(rf"\section*{{{prose_latex(self.heading)}}}")
        if self.text:
            parts.append(prose_latex(self.text) + "\n")
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
            rf"\title{{{prose_latex(self.title)}}}",
            rf"\author{{{prose_latex(self.author or '')}}}",
            r"\date{}",
            r"\begin{document}",
            r"\maketitle",
        ]

    def block_tex(self, index: int) -> str:
        """The LaTeX of block ``index`` (0-based, in the order of :meth:`add`)."""
        return self._blocks[index].tex()

    def _document(self) -> tuple[str, list[int]]:
        """The document and the line (1-based) each block starts on."""
        lines = "\n".join(self._head()).splitlines()
        starts = []
        for block in self._blocks:
            starts.append(len(lines) + 1)
            lines.extend(block.tex().splitlines())
        lines.append(r"\end{document}")
        return "\n".join([*lines, ""]), starts

    def to_tex(self) -> str:
        """A standalone ``article`` (amsmath) that compiles with ``pdflatex``."""
        return self._document()[0]

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

    def to_pdf(self, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """The document compiled by ``pdflatex`` (in a sandbox), as PDF bytes.

        Parameters
        ----------
        timeout : float, default 20
            Seconds ``pdflatex`` may run.

        Raises
        ------
        LatexError
            ``pdflatex`` is missing, ran out of time or hit a resource limit,
            or the document does not compile: the message names the block
            LaTeX's error points at (number and heading) with LaTeX's message.
        """
        tex, starts = self._document()
        run = run_pdflatex(tex, timeout=timeout)
        if run.pdf is not None:
            return run.pdf
        raise self._failure(run, starts, end=tex.count("\n"))

    def _failure(self, run: LatexRun, starts: list[int], *, end: int) -> LatexError:
        """The error of a failed run, naming the block its line (before ``end``) falls in."""
        line = run.line
        if run.reason != "error" or line is None or not starts or not starts[0] <= line < end:
            return run.error("the notes do not compile: " if run.reason == "error" else "")
        number = max(i for i, start in enumerate(starts, start=1) if start <= line)
        heading = self._blocks[number - 1].heading
        name = f" ({heading!r})" if heading else ""
        return LatexError(
            f"the notes do not compile: block {number}{name}: {run.message}",
            blocks=(number,),
            log=run.log,
        )

    def write(self, path: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> Path:
        """Write ``.tex``, ``.md`` or ``.pdf`` (chosen by the file's suffix); return the path.

        The file is written whole or not at all: to a temporary file in the
        same folder, then renamed over ``path``; an old file stays as it was
        when anything fails. A PDF is made by ``pdflatex`` (see :meth:`to_pdf`).
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".tex":
            data = self.to_tex().encode("utf-8")
        elif suffix == ".md":
            data = self.to_markdown().encode("utf-8")
        elif suffix == ".pdf":
            data = self.to_pdf(timeout=timeout)
        else:
            raise ArgumentError(
                bad_argument("path", str(path), "use a file name ending in .tex, .md or .pdf")
            )
        write_atomic(target, data)
        return target


def _new_file_mode() -> int:
    """The mode a new file gets (0o666 less the umask)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (temporary file, then ``os.replace``).

    The temporary file is in the same folder (so the rename is atomic); an
    existing file keeps its permissions; on any failure the temporary file is
    removed and ``path`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp(), "out.md")
    >>> write_atomic(target, b"# Notes\\n")
    >>> target.read_bytes()
    b'# Notes\\n'
    """
    target = Path(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = _new_file_mode()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
