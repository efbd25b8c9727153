"""The parameter model behind every explorer: pure Python, no widgets.

==================  ==========================================================
name                what it is
==================  ==========================================================
``Param``           one control: a float or int range, a choice, or fixed
``ParameterModel``  the controls of an explorer, their values and observers
==================  ==========================================================

Shorthand (as in mpl-interactions and ampform's ``prepare_sliders``):

* ``(lo, hi)`` or ``(lo, hi, step)`` -> a float slider; an int slider when the
  symbol is declared ``integer=True``;
* a ``set`` or ``list`` -> a dropdown of those options;
* a number -> fixed at that value (no control).

Symbols of the expression with no spec get a slider over a range that respects
their assumptions (positive -> (0.1, 5), integer -> (0, 10), else (-5, 5)).

Examples
--------
>>> import sympy as sp
>>> a, b = sp.symbols("a b", real=True)
>>> k = sp.Symbol("k", integer=True, positive=True)
>>> model = ParameterModel({a: (0.5, 3.0), b: {-1, 0, 1}, k: (1, 5)})
>>> [(p.name, p.kind, p.value) for p in model]
[('a', 'float', 1.75), ('b', 'choice', -1), ('k', 'int', 3)]
>>> model.set("a", 2.0)
>>> model.values[a]
2.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .._core import ArgumentError, bad_argument

__all__ = ["Param", "ParameterModel", "nice_step", "on_grid"]


@dataclass
class Param:
    """One control of an explorer.

    Attributes
    ----------
    symbol : Symbol
    kind : {"float", "int", "choice", "fixed"}
    value : the current value
    low, high, step : bounds and step of a slider (None otherwise)
    options : the choices of a dropdown
    """

    symbol: sp.Symbol
    kind: str
    value: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple = field(default=())

    @property
    def name(self) -> str:
        return self.symbol.name

    @property
    def label(self) -> str:
        """The control's label: inline LaTeX for a math symbol, plain text for a word.

        A name that LaTeX would set as a product of italic letters (``lr``,
        ``method``, ``iterations``) is shown upright as plain text.

        Examples
        --------
        >>> [Param(sp.Symbol(n), "fixed", 0).label for n in ("a", "x0", "lambda", "lr")]
        ['$a$', '$x_{0}$', '$\\\\lambda$', 'lr']
        """
        tex = sp.latex(self.symbol)
        if tex == self.name and len(self.name) > 1:
            return self.name
        return f"${tex}$"

    def validate(self, value: Any) -> Any:
        """Return ``value`` converted for this control, or raise a clear error."""
        if self.kind == "fixed":
            raise ArgumentError(
                bad_argument(
                    self.name, value, "this parameter is fixed; give it a range to vary it"
                )
            )
        if self.kind == "choice":
            if value not in self.options:
                raise ArgumentError(
                    bad_argument(self.name, value, f"choose one of {list(self.options)}")
                )
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ArgumentError(bad_argument(self.name, value, "give a number")) from None
        if not math.isfinite(number) or not (self.low <= number <= self.high):
            raise ArgumentError(
                bad_argument(self.name, value, f"give a value in [{self.low}, {self.high}]")
            )
        if self.kind == "int":
            if number != int(number):
                raise ArgumentError(bad_argument(self.name, value, "give a whole number"))
            return int(number)
        return number


def _default_spec(symbol: sp.Symbol) -> tuple[float, float]:
    if symbol.is_integer:
        return (1, 10) if symbol.is_positive else (0, 10)
    if symbol.is_positive:
        return (0.1, 5.0)
    if symbol.is_nonnegative:
        return (0.0, 5.0)
    return (-5.0, 5.0)


def nice_step(most: float) -> float:
    """The largest of 1, 2, 2.5 or 5 times a power of ten that is at most ``most``."""
    power = 10.0 ** math.floor(math.log10(most))
    return max(m * power for m in (1.0, 2.0, 2.5, 5.0) if m * power <= most * (1 + 1e-12))


def on_grid(value: float, low: float, step: float) -> float:
    """``value`` moved to the slider's grid ``low + k * step`` (where the browser puts it).

    Examples
    --------
    >>> on_grid(2.0, 0.5, 0.0475), on_grid(1.0, 0.5, 0.025)
    (2.02, 1.0)
    """
    return round(low + round((value - low) / step) * step, 12)


def _make_param(symbol: sp.Symbol, spec: Any) -> Param:
    name = symbol.name
    if isinstance(spec, (set, frozenset, list)):
        options = tuple(sorted(spec, key=lambda v: (str(type(v)), v)))
        if not options:
            raise ArgumentError(bad_argument(name, spec, "give at least one option"))
        return Param(symbol, "choice", options[0], options=options)
    if isinstance(spec, tuple):
        if len(spec) not in (2, 3):
            raise ArgumentError(
                bad_argument(name, spec, "use (low, high) or (low, high, step) for a slider")
            )
        try:
            low, high = float(spec[0]), float(spec[1])
            step = float(spec[2]) if len(spec) == 3 else None
        except (TypeError, ValueError):
            raise ArgumentError(bad_argument(name, spec, "slider bounds must be numbers")) from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ArgumentError(bad_argument(name, spec, "need finite bounds with low < high"))
        if symbol.is_integer:
            low_i, high_i = math.ceil(low), math.floor(high)
            if low_i > high_i:
                raise ArgumentError(bad_argument(name, spec, "the range holds no integer"))
            return Param(symbol, "int", (low_i + high_i) // 2, low_i, high_i, int(step or 1))
        if step is None:
            step = nice_step((high - low) / 200)
        if step <= 0:
            raise ArgumentError(bad_argument(name, spec, "the step must be positive"))
        return Param(symbol, "float", on_grid((low + high) / 2, low, step), low, high, step)
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return Param(symbol, "fixed", spec)
    raise ArgumentError(
        bad_argument(
            name,
            spec,
            "use (low, high) for a slider, a set or list for a dropdown, or a number to fix it",
        )
    )


class ParameterModel:
    """The parameters of an explorer: controls, current values, observers.

    Parameters
    ----------
    specs : mapping Symbol (or its name) -> spec
        See the module docstring for the shorthand.
    symbols : iterable of Symbol, optional
        Further symbols that need a control; those without a spec get a
        default slider.
    """

    def __init__(
        self, specs: Mapping[Any, Any] | None = None, *, symbols: Iterable[sp.Symbol] = ()
    ):
        specs = dict(specs or {})
        known = {s.name: s for s in symbols}
        self._params: dict[str, Param] = {}
        for key, spec in specs.items():
            if isinstance(key, str):
                if key not in known:
                    raise ArgumentError(
                        bad_argument("params", key, f"no symbol named {key!r} in the expression")
                    )
                key = known[key]
            if not isinstance(key, sp.Symbol):
                raise ArgumentError(bad_argument("params", key, "keys must be Symbols or names"))
            self._params[key.name] = _make_param(key, spec)
        for s in sorted(known.values(), key=lambda s: s.name):
            if s.name not in self._params:
                self._params[s.name] = _make_param(s, _default_spec(s))
        self._observers: list[Callable[[dict[sp.Symbol, Any]], None]] = []

    def __iter__(self) -> Iterator[Param]:
        return iter(self._params.values())

    def __len__(self) -> int:
        return len(self._params)

    def __getitem__(self, key: Any) -> Param:
        name = key.name if isinstance(key, sp.Symbol) else key
        try:
            return self._params[name]
        except KeyError:
            raise ArgumentError(
                bad_argument("name", key, f"known parameters: {', '.join(self._params)}")
            ) from None

    @property
    def symbols(self) -> list[sp.Symbol]:
        return [p.symbol for p in self]

    @property
    def values(self) -> dict[sp.Symbol, Any]:
        """Current values, Symbol -> value (fixed ones included)."""
        return {p.symbol: p.value for p in self}

    def set(self, key: Any, value: Any) -> None:
        """Set a parameter (validated) and notify the observers."""
        param = self[key]
        new = param.validate(value)
        if new == param.value:
            return
        param.value = new
        values = self.values
        for callback in list(self._observers):
            callback(values)

    def observe(self, callback: Callable[[dict[sp.Symbol, Any]], None]) -> None:
        """Call ``callback(values)`` after every change."""
        self._observers.append(callback)
