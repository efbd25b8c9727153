"""Safe parsing of user text: an ``ast`` allowlist walker, never ``eval``.

===================  ================================================================
module               what it holds
===================  ================================================================
``parser``           :func:`parse_expr`, :func:`parse_symbols`: the entry points
``source``           the text before it is a tree: positions, pre-checks, syntax errors
``builder``          the ``ast`` walker that checks each node and builds SymPy objects
``limits``           size limits, and size estimates made before SymPy computes a number
``decide``           integer parts, signs and order of large numbers, decided numerically
``vocabulary``       constants, callable names, function letters, refused-syntax words
``latex``            :func:`parse_latex`: LaTeX read by the same builder and limits
``latex_lexer``      LaTeX tokens; TeX programming and unbalanced braces refused
``latex_reader``     the recursive-descent reader of LaTeX maths (how ambiguities resolve)
``latex_operators``  fractions and derivatives, roots, sums, products, integrals
``latex_chains``     chains ``a &= b \\\\ &= c`` and the display blocks of a document
===================  ================================================================

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .._core import hooks as _hooks
from .latex import parse_latex as parse_latex
from .latex_chains import LatexChain as LatexChain
from .latex_chains import LatexStep as LatexStep
from .latex_chains import find_latex_chains as find_latex_chains
from .latex_chains import read_latex_chain as read_latex_chain
from .parser import parse_expr as parse_expr
from .parser import parse_symbols as parse_symbols

_hooks.provide("latex_chain", read_latex_chain)

__all__ = [
    "LatexChain",
    "LatexStep",
    "find_latex_chains",
    "parse_expr",
    "parse_latex",
    "parse_symbols",
    "read_latex_chain",
]
