"""Safe parsing of user text: an ``ast`` allowlist walker, never ``eval``.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .parser import parse_expr as parse_expr
from .parser import parse_symbols as parse_symbols

__all__ = ["parse_expr", "parse_symbols"]
