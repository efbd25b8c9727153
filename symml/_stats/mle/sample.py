"""Sums over the indexed sample ``x_1..x_n``: order statistics, building and taking
apart sums (:class:`_Sample`), and their stable numeric evaluation (:class:`_Program`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..._codegen import to_numpy
from ..model import Model, _fresh, numeric_form
from ..signs import signed_sums
from .stream import dask_fill, is_dask


class _SampleStatistic(sp.Function):
    """An order statistic of the indexed sample ``x`` (an ``IndexedBase``)."""

    nargs = 1
    _tex = ""
    _word = ""

    def _eval_is_real(self) -> bool | None:
        return self._element().is_real

    def _eval_is_positive(self) -> bool | None:
        return self._element().is_positive

    def _eval_is_nonnegative(self) -> bool | None:
        return self._element().is_nonnegative

    def _eval_is_integer(self) -> bool | None:
        if self._word == "median":
            return None
        return self._element().is_integer

    def _element(self) -> sp.Expr:
        base = self.args[0]
        return base[sp.Symbol("i", integer=True)] if isinstance(base, sp.IndexedBase) else base

    def _latex(self, printer: Any) -> str:
        base = printer._print(self.args[0])
        return rf"{self._tex}_{{i}} {base}_{{i}}"

    def _sympystr(self, printer: Any) -> str:
        return f"{self._word}({printer._print(self.args[0])})"


class SampleMax(_SampleStatistic):
    r"""The largest observation, ``max_i x_i`` (the MLE of ``θ`` in ``Uniform(0, θ)``).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.IndexedBase("x", positive=True)
    >>> SampleMax(x), SampleMax(x).is_positive, sp.latex(SampleMax(x))
    (max(x), True, '\\max_{i} x_{i}')
    """

    _tex = r"\max"
    _word = "max"


class SampleMin(_SampleStatistic):
    r"""The smallest observation, ``min_i x_i`` (the MLE of a Pareto scale).

    Examples
    --------
    >>> import sympy as sp
    >>> sp.latex(SampleMin(sp.IndexedBase("x")))
    '\\min_{i} x_{i}'
    """

    _tex = r"\min"
    _word = "min"


class SampleMedian(_SampleStatistic):
    r"""The sample median (the MLE of a Laplace location).

    Examples
    --------
    >>> import sympy as sp
    >>> sp.latex(SampleMedian(sp.IndexedBase("x")))
    '\\operatorname{median}_{i} x_{i}'
    """

    _tex = r"\operatorname{median}"
    _word = "median"


_ORDER_STATS: dict[type, Callable[[np.ndarray], float]] = {
    SampleMax: lambda a: float(np.max(a)),
    SampleMin: lambda a: float(np.min(a)),
    SampleMedian: lambda a: float(np.median(a)),
}


class _Sample:
    """The indexed sample ``x_1..x_n`` and helpers to build and take apart its sums."""

    def __init__(self, model: Model) -> None:
        xs = model.xs
        taken = {s.name for s in model.params + model.known} | {xs.name}
        self.xs = xs
        self.n = sp.Symbol(_fresh("n", taken), integer=True, positive=True)
        self.i = sp.Symbol(_fresh("i", taken | {self.n.name}), integer=True, positive=True)
        self.j = sp.Symbol(
            _fresh("j", taken | {self.n.name, self.i.name}), integer=True, positive=True
        )
        self.x = sp.IndexedBase(xs.name, **xs.assumptions0)
        self.identities = dict(model.identities)
        values = model.support.values
        if values is not None and len(values) > 1:
            # The counts of the values add up to n: eliminate the last one.
            counts = [self.total(sp.KroneckerDelta(xs, v)) for v in values]
            self.identities[counts[-1]] = self.n - sp.Add(*counts[:-1])

    def at(self, g: sp.Expr, index: sp.Symbol | None = None) -> sp.Expr:
        return g.xreplace({self.xs: self.x[index or self.i]})

    def summand(self, s: sp.Sum) -> sp.Expr:
        idx = s.limits[0][0]
        return s.function.xreplace({self.x[idx]: self.xs})

    def total(self, g: sp.Expr) -> sp.Expr:
        """``Σ_i g(x_i)`` with factors free of the data pulled out (``n*g`` if ``g`` has none)."""
        g = sp.factor_terms(g)
        c, h = g.as_independent(self.xs, as_Add=False)
        if h == 1 or not h.has(self.xs):
            return self.n * g
        if h.is_Add:
            lead = [t for t in h.args if t.has(self.xs)]
            if lead and all(t.could_extract_minus_sign() for t in lead):
                c, h = -c, -h
        return c * sp.Sum(self.at(h), (self.i, 1, self.n))

    def split(self, e: sp.Expr) -> sp.Expr:
        """``Σ_i e(x_i)`` split into sums of the data-dependent terms, grouped."""
        groups: dict[sp.Expr, list[sp.Expr]] = {}
        for term in sp.Add.make_args(sp.expand(e, multinomial=False, power_base=False, log=False)):
            c, g = term.as_independent(self.xs, as_Add=False)
            groups.setdefault(g, []).append(c)
        out = []
        for g, cs in groups.items():
            coeff = sp.factor_terms(sp.Add(*cs))
            out.append(coeff * (self.n if g == 1 else self.total(g)))
        return sp.Add(*out)

    def tidy(self, e: Any) -> Any:
        """Rebuild every sum with constants pulled out (after differentiation)."""
        if isinstance(e, sp.MatrixBase):
            return e.applyfunc(self.tidy)
        return e.replace(lambda z: isinstance(z, sp.Sum), lambda z: self.total(self.summand(z)))

    def expand_sums(self, e: sp.Expr, symbols: set[sp.Basic]) -> sp.Expr:
        """Sums whose summand involves ``symbols``, separated into sufficient statistics."""

        def expand_one(s: sp.Sum) -> sp.Expr:
            g = self.summand(s)
            if not (g.free_symbols & symbols):
                return s
            full = sp.expand(g, power_base=True, force=True, log=True, mul=True, multinomial=True)
            full = sp.expand_log(full, force=True)
            groups: dict[sp.Expr, list[sp.Expr]] = {}
            for term in sp.Add.make_args(full):
                c, h = term.as_independent(self.xs, as_Add=False)
                groups.setdefault(h, []).append(c)
            out = []
            for h, cs in groups.items():
                coeff = sp.Add(*cs)
                out.append(coeff * (self.n if h == 1 else self.total(h)))
            return sp.Add(*out)

        out = e.replace(lambda z: isinstance(z, sp.Sum), expand_one)
        if self.identities:
            out = out.xreplace(self.identities)
        return out

    def opaque(self, e: sp.Expr, cache: dict[sp.Sum, sp.Dummy]) -> sp.Expr:
        """Every sum replaced by a Dummy with the sign the (real) data force on it."""
        return signed_sums(e, cache)[0]

    def reindex(self, e: sp.Expr) -> sp.Expr:
        """Rename the index of every sum in ``e`` to ``j`` (before nesting it in a sum over i)."""
        return e.replace(
            lambda z: isinstance(z, sp.Sum) and z.limits[0][0] == self.i,
            lambda z: z.xreplace({self.i: self.j}),
        )


class _Program:
    """Evaluate SymPy expressions holding sums over the sample, stably and fast.

    Each sum becomes a *node*: its summand is compiled with :func:`symml.to_numpy`
    as a function of one observation (and of the parameters and inner sums), and
    summed with ``numpy.sum`` (pairwise summation), block by block so that no
    full-length temporary array is made. A summand ``h**2`` is summed as a
    sum of products (``einsum``), with no array of squares. Inner sums
    are evaluated first, so ``Σ (x_i - Σ_j x_j / n)**2`` is the two-pass
    (centred) sum of squares, never ``Σ x² - n x̄²``. Nodes that do not involve
    the parameters are evaluated once per data set (sufficient statistics).
    """

    def __init__(self, expr: Any, sample: _Sample, args: Sequence[sp.Symbol]) -> None:
        self.sample = sample
        self.args = list(args)
        self.nodes: list[tuple[sp.Dummy, Any, bool, str, Callable | None]] = []
        self._keys: dict[Any, sp.Dummy] = {}
        self._shareable: list[tuple[sp.Dummy, Any]] = []  # fixed nodes without inner sums
        self.bodies: list[sp.Expr | None] = []  # what each node sums (streamed evaluation)
        lowered = self._lower(sp.sympify(expr))
        self.dummies = [d for d, *_ in self.nodes]
        self.outer = to_numpy(numeric_form(lowered), [*self.args, sample.n, *self.dummies])

    def _lower(self, e: sp.Basic) -> sp.Basic:
        def visit(z: sp.Basic) -> sp.Basic:
            if isinstance(z, sp.Sum):
                inner = self._lower(z.function)
                idx = z.limits[0][0]
                g = inner.xreplace({self.sample.x[idx]: self.sample.xs})
                return self._node("sum", g)
            if isinstance(z, tuple(_ORDER_STATS)):
                return self._node(type(z).__name__, sp.Integer(0), func=type(z))
            return z

        return e.replace(lambda z: isinstance(z, (sp.Sum, *_ORDER_STATS)), visit)

    def _node(self, kind: str, g: sp.Expr, func: type | None = None) -> sp.Dummy:
        key = (kind, g)
        if key in self._keys:
            return self._keys[key]
        d = sp.Dummy(f"s{len(self.nodes)}")
        inner = [dd for dd, *_ in self.nodes]
        depends = bool(g.free_symbols & set(self.args)) or any(
            self.nodes[k][2] for k, dd in enumerate(inner) if g.has(dd)
        )
        if func is not None:
            self.nodes.append((d, None, False, kind, _ORDER_STATS[func]))
            self.bodies.append(None)
        else:
            mode = "sum"
            body = g
            if g.is_Pow and g.exp == 2 and g.base.has(self.sample.xs):
                mode, body = "dot", g.base
            if body == self.sample.xs:
                compiled = None
            elif not body.has(self.sample.xs):
                mode = "const"
                compiled = to_numpy(numeric_form(body), [*self.args, self.sample.n, *inner])
            else:
                compiled = to_numpy(
                    numeric_form(body), [self.sample.xs, *self.args, self.sample.n, *inner]
                )
            self.nodes.append((d, compiled, depends, mode, None))
            self.bodies.append(body)
        if not depends and not any(g.has(dd) for dd in inner):
            self._shareable.append((d, key))
        self._keys[key] = d
        return d

    def prepare(
        self, data: np.ndarray, shared: dict[Any, float] | None = None
    ) -> dict[sp.Dummy, float]:
        """Values of the nodes that do not depend on the parameters.

        ``shared`` (summand -> value) lets several programs on the same data
        compute each sufficient statistic once.
        """
        cache: dict[sp.Dummy, float] = {}
        shared = {} if shared is None else shared
        for d, key in self._shareable:
            if key in shared:
                cache[d] = shared[key]
        with np.errstate(all="ignore"):  # log of data outside the support: NaN, checked later
            self._fill(data, [math.nan] * len(self.args), cache, only_fixed=True)
        for d, key in self._shareable:
            if d in cache:
                shared[key] = cache[d]
        return cache

    def _fill(
        self,
        data: np.ndarray,
        argv: Sequence[float],
        cache: dict[sp.Dummy, float],
        *,
        only_fixed: bool = False,
    ) -> list[float]:
        if is_dask(data):  # Dask reductions, block by block (module ``stream``)
            return dask_fill(self, data, argv, cache, only_fixed=only_fixed)
        n = data.shape[0]
        values: list[float] = []
        for d, compiled, depends, mode, stat in self.nodes:
            if d in cache and not depends:
                values.append(cache[d])
                continue
            if only_fixed and depends:
                values.append(math.nan)
                continue
            if stat is not None:
                v = stat(data)
            elif mode == "const":
                v = n * float(compiled(*argv, n, *values))
            elif compiled is None and mode == "sum":
                v = float(np.sum(data))
            else:
                v = _chunked(compiled, data, mode, (*argv, n, *values))
            values.append(v)
            if not depends:
                cache[d] = v
        return values

    def __call__(
        self, data: np.ndarray, argv: Sequence[float], cache: dict[sp.Dummy, float] | None = None
    ) -> Any:
        cache = {} if cache is None else cache
        with np.errstate(all="ignore"):
            values = self._fill(data, argv, cache)
            return self.outer(*argv, data.shape[0], *values)


_CHUNK = 1 << 15


def _chunked(compiled: Callable | None, data: np.ndarray, mode: str, rest: tuple) -> float:
    """Σ f(x_i) (or Σ f(x_i)²): block by block, so no full-length temporary is made.

    Blocks of 32768 values stay in the CPU cache; the block sums are added
    exactly with ``math.fsum``. Squares are summed with ``einsum`` (a SIMD
    loop), not BLAS ``dot``, whose threads stall on a busy machine.
    """
    n = data.shape[0]
    parts = []
    for start in range(0, n, _CHUNK):
        block = data[start : start + _CHUNK]
        col = block if compiled is None else np.asarray(compiled(block, *rest), dtype=float)
        if col.ndim == 0:
            col = np.broadcast_to(col, block.shape)
        if mode == "dot":
            parts.append(float(np.einsum("i,i->", col, col)))
        else:
            parts.append(float(np.sum(col)))
    return math.fsum(parts) if len(parts) > 1 else parts[0]
