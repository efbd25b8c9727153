"""LaTeX and Markdown for results and derivations; ``Notes`` documents; the notes spec.

==============  ==============================================================
module          what it holds
==============  ==============================================================
``printer``     the LaTeX printer (symml's conventions) and plain text
``measure``     how wide a LaTeX formula is (``tex_width``)
``layout``      rows of equalities fitted to the page: line breaking
``verdicts``    verdicts as formulas, display rows and sentences
``blocks``      ``to_latex``, derivation blocks, any object as a display
``prose``       title, author, headings and text: escaped, math allowlisted
``engine``      ``pdflatex`` in a sandbox (restricted format, resource limits)
``notes``       ``Notes`` documents; files written atomically
``spec``        the notes spec read into items (the ``symml notes`` command)
==============  ==============================================================

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .._core import hooks as _hooks
from .blocks import derivation_latex as derivation_latex
from .blocks import derivation_markdown as derivation_markdown
from .blocks import to_latex as to_latex
from .engine import PDFLATEX as PDFLATEX
from .notes import Notes as Notes
from .printer import to_text as to_text
from .spec import SPEC_DIRECTIVES as SPEC_DIRECTIVES
from .spec import SPEC_KINDS as SPEC_KINDS
from .spec import Spec as Spec
from .spec import SpecItem as SpecItem
from .spec import build_notes as build_notes
from .spec import parse_spec as parse_spec

_hooks.provide("to_latex", to_latex)
_hooks.provide("derivation_latex", derivation_latex)
_hooks.provide("derivation_markdown", derivation_markdown)

__all__ = [
    "PDFLATEX",
    "SPEC_DIRECTIVES",
    "SPEC_KINDS",
    "Notes",
    "Spec",
    "SpecItem",
    "build_notes",
    "derivation_latex",
    "derivation_markdown",
    "parse_spec",
    "to_latex",
    "to_text",
]
