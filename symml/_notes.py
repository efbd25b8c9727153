"""``Notes``: collect derivations, verdicts and SymPy objects into a document.

=========  ===================================================================
name       what it does
=========  ===================================================================
``Notes``  ``add`` results; ``to_tex`` (standalone article), ``to_markdown``,
           ``write(path)`` by suffix
=========  ===================================================================

All LaTeX comes from :mod:`symml._latex`; this module only assembles it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._derivation import Derivation
from ._errors import ArgumentError, bad_argument
from ._latex import derivation_latex, derivation_markdown, escape_text, to_latex

__all__ = ["Notes"]


class Notes:
    """Collect derivations, verdicts and SymPy objects into a LaTeX/Markdown document.

    Parameters
    ----------
    title : str
    author : str, optional

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x = sp.Symbol("x", real=True)
    >>> notes = symml.Notes("Calculus")
    >>> notes.add(symml.gradient(x**2, [x]), heading="A gradient")
    >>> tex = notes.to_tex()
    >>> tex.startswith("\\\\documentclass")
    True
    >>> "\\\\section*{A gradient}" in tex
    True
    """

    def __init__(self, title: str, author: str | None = None) -> None:
        if not isinstance(title, str) or not title.strip():
            raise ArgumentError(bad_argument("title", title, "give the document a title"))
        self.title = title
        self.author = author
        self._items: list[tuple[Any, str | None, str | None]] = []

    def add(self, obj: Any, heading: str | None = None, text: str | None = None) -> None:
        """Add a Derivation, Verdict, or SymPy object, with an optional heading and text."""
        to_latex(obj)  # fail now, at add time, on what cannot be rendered
        self._items.append((obj, heading, text))

    def __len__(self) -> int:
        return len(self._items)

    def to_tex(self) -> str:
        """A standalone ``article`` (amsmath) that compiles with ``pdflatex``."""
        head = [
            r"\documentclass[11pt]{article}",
            r"\usepackage[utf8]{inputenc}",
            r"\usepackage{amsmath,amssymb}",
            r"\usepackage[margin=2cm]{geometry}",
            rf"\title{{{escape_text(self.title)}}}",
            rf"\author{{{escape_text(self.author or '')}}}",
            r"\date{}",
            r"\begin{document}",
            r"\maketitle",
        ]
        body = []
        for obj, heading, text in self._items:
            if heading:
                body.append(rf"\section*{{{escape_text(heading)}}}")
            if text:
                body.append(escape_text(text))
            if isinstance(obj, Derivation):
                if obj.assumptions:
                    body.append(escape_text("Assuming " + "; ".join(obj.assumptions) + "."))
                body.append(derivation_latex(obj))
            else:
                body.append(f"\\begin{{equation*}}\n{to_latex(obj)}\n\\end{{equation*}}")
        return "\n".join([*head, *body, r"\end{document}", ""])

    def to_markdown(self) -> str:
        """Markdown with ``$$`` blocks (renders in Jupyter and on GitHub)."""
        parts = [f"# {self.title}"]
        if self.author:
            parts.append(f"*{self.author}*")
        for obj, heading, text in self._items:
            if heading:
                parts.append(f"## {heading}")
            if text:
                parts.append(text)
            if isinstance(obj, Derivation):
                parts.append(derivation_markdown(obj))
            else:
                parts.append(f"$$\n{to_latex(obj)}\n$$")
        return "\n\n".join(parts) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write ``.tex`` or ``.md`` (chosen by the file's suffix); return the path."""
        target = Path(path)
        if target.suffix == ".tex":
            target.write_text(self.to_tex(), encoding="utf-8")
        elif target.suffix == ".md":
            target.write_text(self.to_markdown(), encoding="utf-8")
        else:
            raise ArgumentError(
                bad_argument("path", str(path), "use a file name ending in .tex or .md")
            )
        return target
