"""``check`` and ``check_steps``: is a claimed result equal to an expected one?

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .._core import hooks as _hooks
from .checker import StepsVerdict as StepsVerdict
from .checker import check as check
from .checker import check_steps as check_steps

_hooks.provide("check_steps", check_steps)

__all__ = ["StepsVerdict", "check", "check_steps"]
