"""Renamed keywords keep working for one release, with a ``DeprecationWarning``.

symml is 0.x and renames freely, but the calls in users' notebooks must not
break without warning: :func:`renamed_keywords` maps an old keyword to its new
name, warns, and refuses a call that gives both.

Examples
--------
>>> import warnings
>>> @renamed_keywords(steps="iterations")
... def run(*, iterations=10):
...     return iterations
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     run(steps=3)
3
>>> print(caught[0].message)
run(steps=...) is deprecated and will be removed in symml 0.3; use iterations=... instead
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import ArgumentError, bad_argument

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["renamed_keywords"]

REMOVED_IN = "0.3"


def renamed_keywords(**old_to_new: str) -> Callable[[F], F]:
    """Decorator: accept each old keyword as its new name, with a ``DeprecationWarning``."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise ArgumentError(
                        bad_argument(
                            old, kwargs[old], f"{old}= is the old name of {new}=; give only {new}="
                        )
                    )
                warnings.warn(
                    f"{func.__name__}({old}=...) is deprecated and will be removed in symml "
                    f"{REMOVED_IN}; use {new}=... instead",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_keywords__ = dict(old_to_new)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
