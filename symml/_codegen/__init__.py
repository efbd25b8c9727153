"""``to_numpy``: the one place that turns SymPy into array code.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .._core import hooks as _hooks
from .generate import RankDeficientWarning as RankDeficientWarning
from .generate import _gram_block as gram_block
from .generate import _normal_system as normal_system
from .generate import _product as product
from .generate import _solve_normal as solve_normal
from .generate import _terms as terms
from .generate import expit as expit
from .generate import stable_form as stable_form
from .generate import to_numpy as to_numpy

_hooks.provide("to_numpy", to_numpy)

__all__ = [
    "RankDeficientWarning",
    "expit",
    "gram_block",
    "normal_system",
    "product",
    "solve_normal",
    "stable_form",
    "terms",
    "to_numpy",
]
