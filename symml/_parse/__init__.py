"""Safe parsing of user text: an ``ast`` allowlist walker, never ``eval``.

================  ===================================================================
module            what it holds
================  ===================================================================
``parser``        :func:`parse_expr`, :func:`parse_symbols`: the entry points
``source``        the text before it is a tree: positions, pre-checks, syntax errors
``builder``       the ``ast`` walker that checks each node and builds SymPy objects
``limits``        size limits, and size estimates made before SymPy computes a number
``decide``        integer parts, signs and order of large numbers, decided numerically
``vocabulary``    constants, callable names, function letters, refused-syntax words
================  ===================================================================

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .parser import parse_expr as parse_expr
from .parser import parse_symbols as parse_symbols

__all__ = ["parse_expr", "parse_symbols"]
