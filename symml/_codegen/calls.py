"""Clear errors from calls to generated functions, at no cost on the fast path.

:func:`guarded` wraps a compiled function: a call goes straight through, and
only when Python or NumPy raises is the call examined. A wrong number of
arguments (or an unknown keyword) becomes an :class:`~symml.ArgumentError`
naming the parameters as the user knows them (the symbols' names, not the
generated ``_arg0`` or ``symml_func``); inputs whose shapes do not broadcast
become a :class:`~symml.ShapeError` naming each argument and its shape. Any
other error passes through unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import ArgumentError, ShapeError, SymmlError

__all__ = ["guarded"]


def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _arity_error(
    label: str, names: Sequence[str], pynames: Sequence[str], args: tuple, kwargs: dict
) -> ArgumentError | None:
    """The error for a call whose arguments do not match the parameters (None: they do)."""
    shown = f"({', '.join(names)})"
    head = f"{label} takes {shown}, one array per symbol in this order"
    got = f"got {_plural(len(args) + len(kwargs), 'argument')}"
    unknown = [k for k in kwargs if k not in pynames]
    if unknown:
        fix = "pass the arrays positionally"
        return ArgumentError(f"{head}; got an unexpected keyword argument {unknown[0]!r}: {fix}")
    twice = [k for k in kwargs if k in pynames[: len(args)]]
    if twice:
        i = list(pynames).index(twice[0])
        return ArgumentError(f"{head}; {names[i]} was given twice (by position and by keyword)")
    if len(args) > len(names):
        extra = len(args) - len(names)
        return ArgumentError(f"{head}; {got}: {_plural(extra, 'argument')} too many")
    given = set(pynames[: len(args)]) | set(kwargs)
    missing = [n for n, p in zip(names, pynames, strict=True) if p not in given]
    if missing:
        return ArgumentError(f"{head}; {got}: missing {', '.join(missing)}")
    return None


def _broadcast_error(
    label: str, names: Sequence[str], pynames: Sequence[str], args: tuple, kwargs: dict
) -> ShapeError | None:
    """The error for inputs whose shapes do not broadcast (None: they do, or are unreadable)."""
    values = list(args) + [kwargs[p] for p in pynames[len(args) :] if p in kwargs]
    try:
        shapes = [np.shape(v) for v in values]
    except (ValueError, TypeError):  # ragged nested lists: NumPy's own message is the best
        return None
    try:
        np.broadcast_shapes(*shapes)
        return None
    except ValueError:
        pass
    named = list(zip(names, shapes, strict=False))
    each = ", ".join(f"{n} has shape {s}" for n, s in named)
    ndim = max(len(s) for s in shapes)
    conflict = ""
    for axis in range(1, ndim + 1):
        sizes = {n: s[-axis] for n, s in named if len(s) >= axis and s[-axis] != 1}
        if len(set(sizes.values())) > 1:
            parts = ", ".join(f"{v} ({n})" for n, v in sizes.items())
            conflict = f"; axis {-axis} (counted from the right) has sizes {parts}"
            break
    a, b = (names[0], names[1]) if len(names) > 1 else ("x", "y")
    return ShapeError(
        f"the inputs of {label} do not broadcast together: {each}{conflict}. On each axis "
        f"(from the right) the sizes must be equal or 1: pass arrays of the same shape, or "
        f"e.g. {a}[:, None] and {b} for a grid of all pairs"
    )


def guarded(
    func: Callable[..., Any], params: Sequence[tuple[str, str]], label: str, *, broadcast: bool
) -> Callable[..., Any]:
    """``func`` with its call errors translated (see the module docstring).

    ``params`` holds ``(name the user knows, Python parameter name)`` per
    parameter; ``label`` names the function in messages (``"the gradient"``);
    ``broadcast``: the inputs are broadcast together (scalar code), so a
    NumPy broadcasting error is explained. The wrapper keeps ``func``'s name,
    docstring, signature and source (``inspect`` follows ``__wrapped__``).

    Examples
    --------
    >>> import numpy as np
    >>> def f(x, y):
    ...     return np.asarray(x) + y
    >>> g = guarded(f, [("x", "x"), ("y", "y")], "f", broadcast=True)
    >>> g(np.ones(2), 1.0)
    array([2., 2.])
    >>> g(1.0)
    Traceback (most recent call last):
    ...
    symml.ArgumentError: f takes (x, y), one array per symbol in this order; got 1 argument: ...
    """
    names = tuple(n for n, _ in params)
    pynames = tuple(p for _, p in params)

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SymmlError:
            raise
        except TypeError:
            error: Exception | None = _arity_error(label, names, pynames, args, kwargs)
            if error is None:
                raise
            raise error from None
        except ValueError:
            error = _broadcast_error(label, names, pynames, args, kwargs) if broadcast else None
            if error is None:
                raise
            raise error from None

    functools.update_wrapper(call, func)
    call.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]
    return call
