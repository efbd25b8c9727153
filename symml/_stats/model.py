"""The density model of one observation: the one model layer of ``symml._stats``.

``mle``, the descriptive statistics, the hypothesis tests and the posteriors
all use this :class:`Model`; data arrays are read and checked by
:mod:`.data`, numbers drawn from or integrated over a model by
:mod:`.numeric`, closed forms over a sample by :mod:`.density`.

==============================  ==========================================================
name                            what it gives
==============================  ==========================================================
:func:`analyse`                 a :class:`Model` of a random variable or a density in ``var``
:func:`as_model`                the same, also for a vector variable (tests, posteriors)
:class:`Model`                  variable, density, log-density, parameters, support, family
:class:`Support`                where observations live (interval, integers, finite values)
:func:`support_from_set`,       the support of a ``sympy.stats`` set / of a symbol's
:func:`support_from_symbol`     assumptions
:func:`is_random_variable`      whether an object is a ``sympy.stats`` random variable
:func:`log_density`             ``log f`` expanded into simple terms (squares kept whole)
:func:`gamma_logs`              ``log`` of gamma, factorial, beta, binomial as ``loggamma``
:func:`numeric_form`            what NumPy can vectorise (``loggamma``, no ``KroneckerDelta``)
==============================  ==========================================================
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import sympy as sp

from .._core import ArgumentError, bad_argument
from .families import FAMILIES, Family

if TYPE_CHECKING:
    from sympy.stats.rv import RandomSymbol

__all__ = [
    "Model",
    "Support",
    "analyse",
    "as_model",
    "gamma_logs",
    "is_random_variable",
    "log_density",
    "numeric_form",
    "support_from_set",
    "support_from_symbol",
]


class Support(NamedTuple):
    """Where the observations live: an interval, an integer range or finite values."""

    discrete: bool
    lo: sp.Expr = sp.S.NegativeInfinity
    hi: sp.Expr = sp.S.Infinity
    lo_open: bool = True
    hi_open: bool = True
    values: tuple[sp.Expr, ...] | None = None

    def text(self) -> str:
        if self.values is not None:
            return "one of " + ", ".join(str(v) for v in self.values)
        if self.discrete:
            if self.hi == sp.oo:
                return f"integers >= {self.lo}" if self.lo != -sp.oo else "integers"
            return f"integers from {self.lo} to {self.hi}"
        if self.lo == -sp.oo and self.hi == sp.oo:
            return "real numbers"
        left = "(" if self.lo_open or self.lo == -sp.oo else "["
        right = ")" if self.hi_open or self.hi == sp.oo else "]"
        return f"the interval {left}{self.lo}, {self.hi}{right}"

    def as_set(self) -> sp.Set:
        """The support as a SymPy set (``Range(0, N + 1)``, ``Naturals0``, ``Interval``)."""
        if self.values is not None:
            return sp.FiniteSet(*self.values)
        lo, hi = self.lo, self.hi
        if self.discrete:
            if lo == -sp.oo:
                return sp.S.Integers if hi == sp.oo else sp.Range(-sp.oo, hi + 1)
            if hi == sp.oo:
                return {0: sp.S.Naturals0, 1: sp.S.Naturals}.get(lo, sp.Range(lo, sp.oo))
            return sp.Range(lo, hi + 1)
        if lo == -sp.oo and hi == sp.oo:
            return sp.S.Reals
        return sp.Interval(lo, hi, self.lo_open, self.hi_open)


def support_from_set(s: Any, open_ends: bool) -> Support:
    if isinstance(s, (set, frozenset)):
        s = sp.FiniteSet(*s)
    if isinstance(s, sp.FiniteSet):
        return Support(True, values=tuple(sorted(s.args, key=sp.default_sort_key)))
    if isinstance(s, sp.Range) and s.step == 1:
        return Support(True, s.inf, s.sup, False, False)
    if s == sp.S.Naturals0:
        return Support(True, sp.S.Zero, sp.oo, False, True)
    if s == sp.S.Naturals:
        return Support(True, sp.S.One, sp.oo, False, True)
    if s == sp.S.Integers:
        return Support(True)
    if isinstance(s, sp.Interval):
        return Support(
            False,
            s.start,
            s.end,
            bool(s.left_open) or open_ends,
            bool(s.right_open) or open_ends,
        )
    if isinstance(s, sp.Intersection):
        intervals = [a for a in s.args if isinstance(a, sp.Interval)]
        if intervals and any(a in (sp.S.Naturals0, sp.S.Naturals, sp.S.Integers) for a in s.args):
            iv = intervals[0]
            return Support(True, iv.start, iv.end, False, False)
    return Support(False)


def support_from_symbol(x: sp.Symbol) -> Support:
    if x.is_integer:
        if x.is_positive:
            return Support(True, sp.S.One, sp.oo, False, True)
        if x.is_nonnegative:
            return Support(True, sp.S.Zero, sp.oo, False, True)
        return Support(True)
    if x.is_positive:
        return Support(False, sp.S.Zero, sp.oo, True, True)
    if x.is_nonnegative:
        return Support(False, sp.S.Zero, sp.oo, False, True)
    return Support(False)


def _hat(p: sp.Symbol) -> sp.Symbol:
    """``mu -> muhat`` (printed \\hat{\\mu}); ``p0 -> phat0``; ``x_m -> xhat_m``."""
    name = p.name
    if "_" in name:
        base, sub = name.split("_", 1)
        new = f"{base}hat_{sub}"
    else:
        m = re.fullmatch(r"(.*?)(\d*)", name)
        assert m is not None
        new = f"{m.group(1)}hat{m.group(2)}"
    return sp.Symbol(new, **p.assumptions0)


def _fresh(preferred: str, taken: set[str]) -> str:
    """``preferred``, or ``preferred_1``, ``preferred_2``, ... if the model uses that name."""
    name, k = preferred, 0
    while name in taken:
        k += 1
        name = f"{preferred}_{k}"
    return name


_LOG_FORMS: tuple[tuple[type, Callable[..., sp.Expr]], ...] = (
    (sp.gamma, lambda z: sp.loggamma(z)),
    (sp.factorial, lambda z: sp.loggamma(z + 1)),
    (sp.beta, lambda a, b: sp.loggamma(a) + sp.loggamma(b) - sp.loggamma(a + b)),
    (
        sp.binomial,
        lambda a, b: sp.loggamma(a + 1) - sp.loggamma(b + 1) - sp.loggamma(a - b + 1),
    ),
)


def gamma_logs(expr: sp.Expr) -> sp.Expr:
    """``log`` of Gamma-type factors (gamma, factorial, beta, binomial) as ``loggamma``."""
    for func, rewrite in _LOG_FORMS:
        expr = expr.replace(
            lambda e, f=func: isinstance(e, sp.log) and isinstance(e.args[0], f),
            lambda e, r=rewrite: r(*e.args[0].args),
        )
    return expr


def log_density(f: sp.Expr) -> sp.Expr:
    """``log f`` as a sum of simple terms: logs of products and powers split,
    ``loggamma`` for Gamma-type factors, squares kept whole (``-(x - μ)²/(2σ²)``
    does not cancel catastrophically for ``x`` far from 0).

    Examples
    --------
    >>> import sympy as sp
    >>> x, mu = sp.Symbol("x", real=True), sp.Symbol("mu", real=True)
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> log_density(sp.exp(-(x - mu)**2 / (2*sigma**2)) / (sp.sqrt(2*sp.pi)*sigma))
    -log(sigma) - log(pi)/2 - log(2)/2 - (-mu + x)**2/(2*sigma**2)
    """
    e = gamma_logs(sp.expand_log(sp.log(f), force=True))
    return sp.expand(e, multinomial=False, power_base=False, power_exp=False, log=False)


def numeric_form(e: sp.Expr) -> sp.Expr:
    """Rewrite what NumPy cannot vectorise or would overflow into what it can.

    ``KroneckerDelta`` becomes a ``Piecewise``; ``log(gamma(z))`` (which SymPy
    makes of ``loggamma(z)`` for integer ``z``) becomes ``gammaln``.
    """
    if e.has(sp.gamma):
        e = e.replace(
            lambda z: isinstance(z, sp.log) and isinstance(z.args[0], sp.gamma),
            lambda z: sp.loggamma(z.args[0].args[0], evaluate=False),
        )
    if e.has(sp.KroneckerDelta):
        e = e.replace(
            lambda z: isinstance(z, sp.KroneckerDelta),
            lambda z: sp.Piecewise((1, sp.Eq(z.args[0], z.args[1])), (0, True)),
        )
    return e


def _sign_of(e: sp.Expr) -> int | None:
    if e.is_positive:
        return 1
    if e.is_negative:
        return -1
    return None


class Model:
    """One observation's model: its variable, density and log-density, parameters
    (estimated and known), support, catalog family and the distribution's arguments;
    ``boundary`` names the parameters that set the support; ``probs`` holds a
    categorical model's probabilities. ``variables`` is ``(xs,)``, or several
    Symbols for a vector observation (one-hot categories, :func:`as_model`).

    The one model class of ``symml._stats``: built by :func:`analyse` (``mle``)
    and :func:`as_model` (hypothesis tests, posteriors)."""

    __slots__ = (
        "args",
        "boundary",
        "density",
        "family",
        "identities",
        "known",
        "label",
        "logpdf",
        "notes",
        "params",
        "probs",
        "support",
        "variables",
        "xs",
    )

    def __init__(
        self,
        *,
        label: str,
        xs: sp.Symbol,
        density: sp.Expr,
        logpdf: sp.Expr,
        params: tuple[sp.Symbol, ...],
        known: tuple[sp.Symbol, ...],
        support: Support,
        family: Family | None,
        args: tuple[sp.Expr, ...],
        boundary: dict[sp.Symbol, str] | None = None,
        notes: list[str] | None = None,
        probs: tuple[sp.Expr, ...] | None = None,
        variables: tuple[sp.Symbol, ...] | None = None,
    ) -> None:
        self.label, self.xs, self.density, self.logpdf = label, xs, density, logpdf
        self.params, self.known, self.support = params, known, support
        self.family, self.args, self.probs = family, args, probs
        self.boundary = {} if boundary is None else boundary
        self.notes = [] if notes is None else notes
        self.identities: dict[sp.Expr, sp.Expr] = {}
        self.variables = (xs,) if variables is None else variables

    @property
    def var(self) -> tuple[sp.Symbol, ...]:
        """The observation's Symbols (one for scalar data)."""
        return self.variables

    @property
    def constants(self) -> tuple[sp.Symbol, ...]:
        """The known parameters (values given with the data)."""
        return self.known

    @property
    def domain(self) -> sp.Set:
        """The support as a SymPy set; it may contain known parameters (``Range(0, N + 1)``)."""
        return self.support.as_set()

    def with_params(self, params: Sequence[sp.Symbol]) -> Model:
        """The same model with ``params`` estimated and every other symbol known."""
        free = set().union(*(a.free_symbols for a in (self.density, *self.args)))
        free -= set(self.variables)
        out = Model(
            label=self.label,
            xs=self.xs,
            density=self.density,
            logpdf=self.logpdf,
            params=tuple(params),
            known=tuple(sorted(free - set(params), key=lambda s: s.name)),
            support=self.support,
            family=self.family,
            args=self.args,
            boundary={p: b for p, b in self.boundary.items() if p in params},
            notes=self.notes,
            probs=self.probs,
            variables=self.variables,
        )
        out.identities = dict(self.identities)
        return out


def _symbols_of(args: Iterable[Any]) -> list[sp.Symbol]:
    out: dict[sp.Symbol, None] = {}
    for a in args:
        if isinstance(a, sp.Basic):
            for s in sorted(a.free_symbols, key=lambda s: s.name):
                out[s] = None
    return list(out)


def _params_arg(params: Any, default: Sequence[sp.Symbol], free: set[sp.Basic]) -> tuple:
    if params is None:
        return tuple(default)
    if isinstance(params, sp.Symbol):
        params = [params]
    if isinstance(params, str):
        raise ArgumentError(bad_argument("params", params, "pass Symbols, e.g. params=[mu, sigma]"))
    try:
        items = list(params)
    except TypeError:
        raise ArgumentError(
            bad_argument("params", params, "pass a list of Symbols, e.g. params=[mu, sigma]")
        ) from None
    if not items:
        raise ArgumentError(bad_argument("params", params, "name at least one parameter"))
    for p in items:
        if not isinstance(p, sp.Symbol):
            raise ArgumentError(
                bad_argument("params", params, f"{p!r} is not a Symbol; pass Symbols")
            )
        if p not in free:
            names = sorted(s.name for s in free)
            hint = ""
            twin = [s for s in free if getattr(s, "name", None) == p.name]
            if twin:
                hint = (
                    f" (a {p.name} with assumptions {twin[0].assumptions0} is in the model: "
                    "use that very Symbol)"
                )
            raise ArgumentError(
                bad_argument(
                    "params", params, f"{p} does not appear in the model (it has {names}){hint}"
                )
            )
    if len(set(items)) != len(items):
        raise ArgumentError(bad_argument("params", params, "each parameter may appear once"))
    return tuple(items)


def _strip_piecewise(f: sp.Expr, xs: sp.Symbol, params: Sequence[sp.Symbol]) -> tuple:
    """The density on its support, and the bounds that involve parameters."""
    bounds: dict[sp.Symbol, str] = {}
    if isinstance(f, sp.Piecewise):
        expr, cond = f.args[0]
        f = expr
        for rel in sp.And.make_args(cond):
            if not isinstance(rel, sp.core.relational.Relational):
                continue
            lhs, rhs = rel.lhs, rel.rhs
            if rhs == xs:
                lhs, rhs, rel = rhs, lhs, rel.reversed
            if lhs != xs or rhs not in params:
                continue
            if isinstance(rel, (sp.LessThan, sp.StrictLessThan)):
                bounds[rhs] = "upper"
            elif isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)):
                bounds[rhs] = "lower"
    return f, bounds


def is_random_variable(obj: Any) -> bool:
    """Whether ``obj`` is a ``sympy.stats`` random variable.

    ``sympy.stats`` is slow to import and only some functions need it: symml
    never imports it at module level. A random variable can only exist once the
    user has imported it, so an unloaded ``sympy.stats`` means "no".
    """
    rv = sys.modules.get("sympy.stats.rv")
    return rv is not None and isinstance(obj, rv.RandomSymbol)


def analyse(model: Any, params: Any, var: Any) -> Model:
    if is_random_variable(model):
        return _analyse_rv(model, params, var)
    if isinstance(model, str):
        raise ArgumentError(
            bad_argument(
                "model",
                model,
                "pass a sympy.stats random variable or a density expression; to read "
                "text use symml.parse_expr(text); for a named model use symml.mle_catalog(name)",
            )
        )
    if not isinstance(model, sp.Expr):
        raise ArgumentError(
            bad_argument(
                "model",
                model,
                "pass a sympy.stats random variable, e.g. sympy.stats.Normal('X', mu, sigma), "
                "or a density expression with var=, e.g. mle(theta*x**(theta - 1), [theta], var=x)",
            )
        )
    if var is None:
        syms = sorted(model.free_symbols, key=lambda s: s.name)
        raise ArgumentError(
            bad_argument(
                "var",
                None,
                f"a density expression needs its variable: pass var=, one of {syms}",
            )
        )
    if not isinstance(var, sp.Symbol) or var not in model.free_symbols:
        raise ArgumentError(
            bad_argument(
                "var",
                var,
                f"pass the Symbol the density {model} is a function of",
            )
        )
    notes = []
    xs = var
    if var.is_real is not True:
        xs = sp.Symbol(var.name, real=True)
        model = model.xreplace({var: xs})
        notes.append(f"{var} treated as real")
    free = model.free_symbols - {xs}
    default = sorted((s for s in free if not s.is_integer), key=lambda s: s.name)
    chosen = _params_arg(params, default, free)
    density, bounds = _strip_piecewise(model, xs, chosen)
    if density.is_negative or density.is_zero or density.is_extended_real is False:
        raise ArgumentError(
            bad_argument(
                "model",
                model,
                "a density is a non-negative real function of the data that is not 0 "
                "everywhere; check its sign",
            )
        )
    known = tuple(sorted(free - set(chosen), key=lambda s: s.name))
    return Model(
        label=f"f({xs}) = {sp.sstr(density)}",
        xs=xs,
        density=density,
        logpdf=log_density(density),
        params=chosen,
        known=known,
        support=support_from_symbol(xs),
        family=None,
        args=tuple(chosen),
        boundary=bounds,
        notes=notes,
    )


def _analyse_rv(rv: RandomSymbol, params: Any, var: Any) -> Model:
    import sympy.stats as ss

    dist = rv.pspace.distribution
    cls = type(dist).__name__
    if cls == "MultivariateNormalDistribution":
        raise _UseMultivariate
    if cls == "FiniteDistributionHandmade":
        return _analyse_finite(rv, dist, params)
    if not isinstance(rv.pspace, (ss.crv.SingleContinuousPSpace, ss.drv.SingleDiscretePSpace)) and (
        cls not in ("BernoulliDistribution", "BinomialDistribution")
    ):
        raise ArgumentError(
            bad_argument(
                "model",
                rv,
                "mle supports univariate distributions, MultivariateNormal and FiniteRV; "
                "type the density by hand and pass var= for others",
            )
        )
    family = FAMILIES.get(cls)
    args = tuple(a for a in dist.args if isinstance(a, sp.Basic))
    if cls in ("BernoulliDistribution", "BinomialDistribution"):
        args = args[:1] if cls == "BernoulliDistribution" else args[:2]
    support_set = dist.set
    free: set[sp.Basic] = set().union(*(a.free_symbols for a in args))
    support = support_from_set(support_set, bool(family and family.open_ends))
    taken = {s.name for s in free}
    x_name = "x" if "x" not in taken else _fresh("x", taken)
    if support.discrete:
        lows = support.values if support.values is not None else (support.lo,)
        facts = {"integer": True}
        if all(v.is_number and v >= 0 for v in lows):
            facts["nonnegative"] = True
        xs = sp.Symbol(x_name, **facts)
    elif support.lo.is_number and support.lo >= 0:
        xs = sp.Symbol(x_name, positive=True)
    else:
        xs = sp.Symbol(x_name, real=True)
    default = [s for s in _symbols_of(args) if not s.is_integer]
    chosen = _params_arg(params, default, free)
    if family is not None and family.pdf is not None:
        density = family.pdf(args, xs)
    else:
        density = dist.pdf(xs)
    density, bounds = _strip_piecewise(density, xs, chosen)
    for end, side in ((support.lo, "lower"), (support.hi, "upper")):
        if end in chosen:
            bounds[end] = side
    known = tuple(sorted(free - set(chosen), key=lambda s: s.name))
    name = family.name if family else cls.removesuffix("Distribution")
    label = f"{name}({', '.join(map(str, args))})"
    return Model(
        label=label,
        xs=xs,
        density=density,
        logpdf=log_density(density),
        params=chosen,
        known=known,
        support=support,
        family=family,
        args=args,
        boundary=bounds,
    )


def _analyse_finite(rv: RandomSymbol, dist: Any, params: Any) -> Model:
    table = dict(dist.args[0])
    values = tuple(sorted(table, key=sp.default_sort_key))
    probs = [sp.sympify(table[v]) for v in values]
    free: set[sp.Basic] = set().union(*(p.free_symbols for p in probs))
    taken = {s.name for s in free}
    xs = sp.Symbol("x" if "x" not in taken else _fresh("x", taken), integer=True)
    chosen = _params_arg(params, _symbols_of(probs), free)
    density = sp.Mul(*[p ** sp.KroneckerDelta(xs, v) for p, v in zip(probs, values, strict=True)])
    logpdf = sp.Add(
        *[sp.KroneckerDelta(xs, v) * sp.log(p) for p, v in zip(probs, values, strict=True)]
    )
    logpdf = sp.expand(logpdf, multinomial=False, power_base=False, log=False)
    pairs = ", ".join(f"{v}: {p}" for v, p in zip(values, probs, strict=True))
    return Model(
        label=f"Categorical({{{pairs}}})",
        xs=xs,
        density=density,
        logpdf=logpdf,
        params=chosen,
        known=tuple(sorted(free - set(chosen), key=lambda s: s.name)),
        support=Support(True, values=values),
        family=None,
        args=tuple(probs),
        probs=tuple(probs),
    )


class _UseMultivariate(Exception):
    pass


def as_model(model: Any, params: Any = None, var: Any = None, *, name: str = "model") -> Model:
    """A :class:`Model` for the hypothesis tests and posteriors.

    Like :func:`analyse` (a ``sympy.stats`` random variable, or a density in
    ``var``), and ``var`` may also be a list of Symbols (a vector observation
    such as one-hot categories). Errors name the argument ``name``.
    """
    if is_random_variable(model) or not isinstance(var, (list, tuple)):
        if isinstance(var, (list, tuple)) and len(var) == 1:
            var = var[0]
        try:
            m = analyse(model, params, var)
        except _UseMultivariate:
            raise ArgumentError(
                bad_argument(name, model, "pass a univariate random variable or a density")
            ) from None
        if not m.params:
            raise ArgumentError(bad_argument(name, model, "the model has no free parameter"))
        return m
    if not isinstance(model, sp.Expr):
        raise ArgumentError(bad_argument(name, model, "pass a density expression"))
    for v in var:
        if not isinstance(v, sp.Symbol) or v not in model.free_symbols:
            raise ArgumentError(
                bad_argument("var", var, f"pass Symbols the density {model} depends on")
            )
    free = model.free_symbols - set(var)
    default = sorted((s for s in free if not s.is_integer), key=lambda s: s.name)
    chosen = _params_arg(params, default, free)
    return Model(
        label=f"f({', '.join(map(str, var))}) = {sp.sstr(model)}",
        xs=var[0],
        density=model,
        logpdf=log_density(model),
        params=chosen,
        known=tuple(sorted(free - set(chosen), key=lambda s: s.name)),
        support=Support(False),
        family=None,
        args=chosen,
        variables=tuple(var),
    )
