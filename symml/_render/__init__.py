"""LaTeX and Markdown for results and derivations; ``Notes`` documents.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .._core import hooks as _hooks
from .latex import derivation_latex as derivation_latex
from .latex import derivation_markdown as derivation_markdown
from .latex import to_latex as to_latex
from .latex import to_text as to_text
from .notes import PDFLATEX as PDFLATEX
from .notes import Notes as Notes

_hooks.provide("to_latex", to_latex)
_hooks.provide("derivation_latex", derivation_latex)
_hooks.provide("derivation_markdown", derivation_markdown)

__all__ = ["PDFLATEX", "Notes", "derivation_latex", "derivation_markdown", "to_latex", "to_text"]
