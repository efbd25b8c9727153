"""Checks on the data a fit receives and on the standard errors it returns.

=============================  =====================================================
name                           what it does
=============================  =====================================================
:func:`require_finite`         refuse NaN/inf in a data argument: the argument, the
                               count and positions of the bad values, how to fix it
:class:`StandardErrorWarning`  standard errors (or covariances) that are NaN or inf
:func:`stderr_notes`           the notes (and the warning) for such a fit
=============================  =====================================================

Shared by :meth:`symml.NormalEquations.fit` and :func:`symml.fit_logistic`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core import ArgumentError

__all__ = [
    "StandardErrorWarning",
    "overflow_note",
    "require_finite",
    "rows_fix",
    "stderr_notes",
]

_SHOWN = 5  # positions listed in a message


class StandardErrorWarning(UserWarning):
    """Standard errors or covariances of a fit are NaN or inf; ``fit.notes`` says why.

    The estimates themselves are still returned. Turn the warning into an
    error with ``warnings.simplefilter("error", StandardErrorWarning)``.
    """


def _positions(mask: np.ndarray) -> str:
    where = np.argwhere(mask)
    shown = [str(int(p[0])) if len(p) == 1 else str(tuple(int(i) for i in p)) for p in where]
    more = f" and {len(shown) - _SHOWN} more" if len(shown) > _SHOWN else ""
    return ", ".join(shown[:_SHOWN]) + more


def require_finite(name: str, value: Any, fix: str) -> None:
    """Raise ArgumentError when the numbers in ``value`` include NaN or inf.

    Values that are not arrays of numbers are left to the caller's checks.

    Examples
    --------
    >>> require_finite("X", [[1.0, float("nan")], [float("inf"), 2.0]], "drop those rows")
    Traceback (most recent call last):
    ...
    symml.ArgumentError: X has 2 non-finite values (1 NaN, 1 inf) at (0, 1), (1, 0): ...
    """
    try:
        a = np.asarray(value)
    except (ValueError, TypeError):
        return
    if a.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(a)
    count = int(np.count_nonzero(bad))
    if not count:
        return
    nan = int(np.count_nonzero(np.isnan(a)))
    kinds = ", ".join(f"{k} {label}" for k, label in ((nan, "NaN"), (count - nan, "inf")) if k)
    word = "value" if count == 1 else "values"
    where = "at index" if a.ndim == 1 else "at"
    raise ArgumentError(
        f"{name} has {count} non-finite {word} ({kinds}) {where} {_positions(bad)}: "
        f"the fit needs finite numbers; {fix}"
    )


def rows_fix(names: Sequence[str]) -> str:
    """How to drop incomplete rows from the data arrays ``names`` (the matrix X first)."""
    mask = " & ".join(
        f"np.isfinite({n}).all(axis=1)" if i == 0 and len(names) > 1 else f"np.isfinite({n})"
        for i, n in enumerate(names)
    )
    picked = ", ".join(f"{n}[keep]" for n in names)
    return (
        f"drop the rows that hold them from every data array alike (keep = {mask}; "
        f"fit({picked})) or impute them"
    )


def overflow_note(scale: np.ndarray) -> str:
    """The note for a covariance that overflows because of the columns' norms ``scale``."""
    return (
        "cov overflows float64 (inf entries): columns of X have tiny or huge norms "
        f"(from {np.min(scale):.3g} to {np.max(scale):.3g}); stderr comes from the "
        "column-scaled problem and is finite; rescale X's columns "
        "(e.g. X / np.linalg.norm(X, axis=0)) and refit for a usable cov"
    )


def stderr_notes(stderr: np.ndarray, cov: np.ndarray, causes: Sequence[str]) -> tuple[str, ...]:
    """Notes on non-finite standard errors or covariances; warns when there are any.

    ``causes``: what the fit knows about why (e.g. no residual degrees of
    freedom), listed first; a generic note is added when the arrays are not
    finite and no cause was given.
    """
    notes = list(causes)
    if not notes and not (np.all(np.isfinite(stderr)) and np.all(np.isfinite(cov))):
        notes.append(
            "some standard errors or covariances are NaN or inf: the data do not determine "
            "the estimates' uncertainty in float64; rescale the columns of X and refit"
        )
    if notes:
        warnings.warn(StandardErrorWarning("; ".join(notes)), stacklevel=3)
    return tuple(notes)
