"""The ``budget=`` argument of the calculus functions, validated once."""

from __future__ import annotations

from typing import Any

from .._core import ArgumentError, as_budget, bad_argument

__all__ = ["MAX_BUDGET", "call_budget"]

#: The longest budget accepted (about 11 days): longer ones overflow the system timer.
MAX_BUDGET = 1e6


def call_budget(budget: Any) -> float:
    """``budget`` validated (positive, finite, at most :data:`MAX_BUDGET` seconds).

    Examples
    --------
    >>> call_budget(1e20)
    Traceback (most recent call last):
    ...
    symml.ArgumentError: budget=1e+20 is not valid: give at most 1e+06 seconds, e.g. budget=10
    """
    seconds = as_budget(budget)
    if seconds > MAX_BUDGET:
        raise ArgumentError(
            bad_argument("budget", budget, f"give at most {MAX_BUDGET:g} seconds, e.g. budget=10")
        )
    return seconds
