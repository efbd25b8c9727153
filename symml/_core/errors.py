"""The symml exception tree.

=========================  ===================================================
class                      raised when
=========================  ===================================================
``SymmlError``             base class of every error symml raises on purpose
``ArgumentError``          an argument has the wrong type or value
``ShapeError``             shapes of matrices or arrays do not fit together
``ParseError``             user text is not a safe, valid expression
``NotDifferentiableError`` an expression cannot be differentiated as asked
``NoClosedFormError``      a closed form was asked for and none exists
``BudgetExceededError``    symbolic work ran out of its time budget
``LatexError``             ``pdflatex`` is missing or failed on a document
=========================  ===================================================

Messages name the argument, show the offending value and say how to fix it;
:func:`bad_argument` builds such a message in one consistent format.

Examples
--------
>>> from symml._core.errors import ArgumentError, bad_argument
>>> err = ArgumentError(bad_argument("wrt", 3, "pass a list of Symbols, e.g. wrt=[x, y]"))
>>> print(err)
wrt=3 is not valid: pass a list of Symbols, e.g. wrt=[x, y]
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ArgumentError",
    "BudgetExceededError",
    "LatexError",
    "NoClosedFormError",
    "NotDifferentiableError",
    "ParseError",
    "ShapeError",
    "SymmlError",
    "bad_argument",
]


class SymmlError(Exception):
    """Base class of every error symml raises on purpose."""


class ArgumentError(SymmlError, ValueError):
    """An argument has the wrong type or value."""


class ShapeError(SymmlError, ValueError):
    """Shapes of matrices or arrays do not fit together."""


class ParseError(SymmlError, ValueError):
    """User text is not a safe, valid mathematical expression."""


class NotDifferentiableError(SymmlError, ValueError):
    """An expression cannot be differentiated as asked."""


class NoClosedFormError(SymmlError):
    """A closed form was asked for and none exists (or none was found in budget)."""


class BudgetExceededError(SymmlError, TimeoutError):
    """Symbolic work (simplify, solve) ran past its time budget."""


class LatexError(SymmlError):
    """``pdflatex`` is missing, failed on the document, or ran out of time.

    Attributes
    ----------
    reason : {"missing", "error", "timeout"}
        ``pdflatex`` is not installed; the document has an error; it ran out
        of time.
    blocks : tuple of int
        Numbers (1-based, in the order of ``Notes.add``) of the blocks that
        fail on their own; empty when unknown.
    log : str
        The end of LaTeX's log.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str = "error",
        blocks: tuple[int, ...] = (),
        log: str = "",
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.blocks = blocks
        self.log = log


for _cls in (
    SymmlError,
    ArgumentError,
    ShapeError,
    ParseError,
    NotDifferentiableError,
    NoClosedFormError,
    BudgetExceededError,
    LatexError,
):
    # Users catch and see these as ``symml.ArgumentError``, ..., wherever they are raised.
    _cls.__module__ = "symml"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def bad_argument(name: str, value: Any, fix: str) -> str:
    """Format an error message: the argument, its value, and how to fix it.

    Examples
    --------
    >>> bad_argument("order", -1, "use a non-negative integer")
    'order=-1 is not valid: use a non-negative integer'
    """
    return f"{name}={_short(value)} is not valid: {fix}"
