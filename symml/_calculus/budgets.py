"""The ``budget=`` argument of the calculus functions: :func:`symml._core.as_budget`, once."""

from __future__ import annotations

from typing import Any

from .._core import as_budget

__all__ = ["call_budget"]


def call_budget(budget: Any) -> float:
    """``budget`` validated by ``as_budget`` (positive, finite, at most one day).

    Examples
    --------
    >>> call_budget(1e20)
    Traceback (most recent call last):
    ...
    symml.ArgumentError: budget=1e+20 is not valid: give at most one day (86400 seconds), ...
    """
    return as_budget(budget)
