"""Functions the core types use from the packages above them, registered by those packages.

``Derivation.latex()``, ``Derivation.to_numpy()``, ``Derivation.verify()`` and
``Verdict._repr_latex_`` are conveniences over functions that live above
``_core``: ``_render`` (LaTeX), ``_codegen`` (``to_numpy``) and ``_check``
(``check_steps``), and ``check_steps`` reads a LaTeX chain with ``_parse``
(``latex_chain``). Imports only point down the layers, so ``_core`` cannot
import them. Instead each of those packages registers its function here when
it is imported (dependency inversion), and the core looks it up when called,
importing the provider by name the first time (symml's public names load
lazily, so the provider may not have been imported yet).

Examples
--------
>>> from symml._core import hooks
>>> hooks.get("to_numpy").__name__
'to_numpy'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["HOOKS", "get", "provide"]

#: The names a package above ``_core`` must provide, and who provides them.
HOOKS = {
    "to_numpy": "symml._codegen",
    "check_steps": "symml._check",
    "to_latex": "symml._render",
    "derivation_latex": "symml._render",
    "derivation_markdown": "symml._render",
    "latex_chain": "symml._parse",
}

_PROVIDED: dict[str, Callable[..., Any]] = {}


def provide(name: str, func: Callable[..., Any]) -> None:
    """Register ``func`` as the implementation of hook ``name``."""
    if name not in HOOKS:
        raise KeyError(f"unknown hook {name!r}; the hooks are {sorted(HOOKS)}")
    _PROVIDED[name] = func


def get(name: str) -> Callable[..., Any]:
    """The function registered for hook ``name``."""
    if name not in _PROVIDED:
        # symml's public names load lazily: import the provider on first use.
        importlib.import_module(HOOKS[name])
    return _PROVIDED[name]
