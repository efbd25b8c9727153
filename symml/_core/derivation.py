"""``Derivation`` and ``Step``: the one result type every deriving function returns.

A :class:`Derivation` holds

* ``result`` -- a plain SymPy object (expression, immutable matrix, ``Eq``);
* ``steps`` -- a tuple of :class:`Step` (an expression and a one-line
  justification such as ``"chain rule"``), in the order of the derivation;
* ``assumptions`` -- the assumptions the derivation used, as text;
* what it was derived from (``source``, ``wrt``, ``kind``), which is what
  :meth:`Derivation.verify` checks ``result`` against.

Steps can be expensive for large inputs (a 40 x 40 Hessian) and are often not
looked at, so producers may pass a ``steps`` *factory*: the steps are built on
first access and then cached. The object is immutable either way.

Examples
--------
>>> import sympy as sp
>>> from symml import Derivation, Step
>>> x = sp.Symbol("x")
>>> d = Derivation(2*x, [Step(sp.Derivative(x**2, x), "definition"), Step(2*x, "power rule")])
>>> d.result
2*x
>>> [s.why for s in d.steps]
['definition', 'power rule']
>>> sp.sympify(d) + 1          # usable where SymPy expects an expression
2*x + 1
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy as sp

from . import hooks
from .errors import ArgumentError, bad_argument

if TYPE_CHECKING:
    from .verdict import Verdict

__all__ = ["Derivation", "Step", "as_sympy"]


def as_sympy(obj: Any, name: str = "expr") -> sp.Basic:
    """Turn ``obj`` into an immutable SymPy object, or raise a clear error.

    Mutable matrices become ``ImmutableMatrix``; Derivations give their result.
    Strings are refused here (use :func:`symml.parse_expr`, which is safe).
    """
    if isinstance(obj, Derivation):
        return obj.result
    if isinstance(obj, str):
        raise ArgumentError(
            bad_argument(name, obj, "pass a SymPy object; to read text use symml.parse_expr(text)")
        )
    if isinstance(obj, sp.MatrixBase):
        return sp.ImmutableMatrix(obj)
    try:
        value = sp.sympify(obj, strict=True)
    except (sp.SympifyError, TypeError) as exc:
        raise ArgumentError(
            bad_argument(name, obj, "pass a SymPy expression, Matrix or number")
        ) from exc
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value)
    return value


@dataclass(frozen=True)
class Step:
    """One step of a derivation: an expression and why it follows.

    ``lhs``, when given, starts a new chain of equalities (``lhs = expr``);
    otherwise the step continues the chain above it (``= expr``). ``lhs``
    is a SymPy object, or a string holding a LaTeX label such as
    ``r"\nabla f"`` for left sides SymPy has no object for.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> Step(2*x, "power rule")
    Step(expr=2*x, why='power rule', lhs=None)
    """

    expr: Any
    why: str
    lhs: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "expr", as_sympy(self.expr, "Step.expr"))
        if self.lhs is not None and not isinstance(self.lhs, str):
            object.__setattr__(self, "lhs", as_sympy(self.lhs, "Step.lhs"))
        if not isinstance(self.why, str):
            raise ArgumentError(bad_argument("why", self.why, "give the justification as text"))


StepsLike = Iterable[Step] | Callable[[], Iterable[Step]]


def _keyword_options(func: Callable[..., Any]) -> tuple[str, ...] | None:
    """The keyword options a verifier accepts after the derivation (None: it takes any)."""
    params = list(inspect.signature(func).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return tuple(
        p.name
        for p in params
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    )


class Derivation:
    """A derived result with the steps that led to it.

    Parameters
    ----------
    result : sympy object
        The result. Mutable matrices are stored as ``ImmutableMatrix``.
    steps : iterable of Step, or a callable returning them
        The derivation. A callable is called once, on first access of
        :attr:`steps`.
    assumptions : iterable of str
        Assumptions used, in words (``"x, y real"``).
    kind : str
        What was derived: ``"gradient"``, ``"hessian"``, ...
    source : sympy object, optional
        What it was derived from (the function differentiated, ...).
    wrt : sequence of Symbols, optional
        The variables it was derived with respect to, in order.
    verifier : callable, optional
        ``verifier(derivation, **options) -> Verdict``; what :meth:`verify` runs.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> g = symml.gradient(x**2*y, [x, y])
    >>> g.result
    Matrix([
    [2*x*y],
    [ x**2]])
    >>> bool(g.verify())
    True
    """

    __slots__ = (
        "_own_steps",
        "_steps",
        "_steps_factory",
        "assumptions",
        "kind",
        "result",
        "source",
        "verifier",
        "wrt",
    )

    result: sp.Basic
    assumptions: tuple[str, ...]
    kind: str
    source: sp.Basic | None
    wrt: tuple[sp.Basic, ...]

    _BASE_FIELDS = ("result", "assumptions", "kind", "source", "wrt", "verifier")

    def __init__(
        self,
        result: Any,
        steps: StepsLike | None = None,
        *,
        assumptions: Iterable[str] = (),
        kind: str = "derivation",
        source: Any = None,
        wrt: Sequence[Any] = (),
        verifier: Callable[..., Verdict] | None = None,
        **fields: Any,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "result", as_sympy(result, "result"))
        setattr_(self, "_own_steps", steps is None)
        if steps is None:
            steps = self._make_steps
        if callable(steps):
            setattr_(self, "_steps", None)
            setattr_(self, "_steps_factory", steps)
        else:
            setattr_(self, "_steps", self._check_steps(steps))
            setattr_(self, "_steps_factory", None)
        setattr_(self, "assumptions", tuple(str(a) for a in assumptions))
        setattr_(self, "kind", str(kind))
        setattr_(self, "source", None if source is None else as_sympy(source, "source"))
        setattr_(self, "wrt", tuple(wrt))
        setattr_(self, "verifier", verifier)
        declared = self._fields()
        unknown = sorted(set(fields) - set(declared))
        missing = sorted(set(declared) - set(fields))
        if unknown or missing:
            raise TypeError(
                f"{type(self).__name__} declares the fields {list(declared)}; "
                f"unknown: {unknown}, missing: {missing}"
            )
        for name, value in fields.items():
            setattr_(self, name, value)

    @classmethod
    def _fields(cls) -> tuple[str, ...]:
        """The fields subclasses declare in their ``__slots__``, base classes first."""
        out: list[str] = []
        for klass in reversed(cls.__mro__):
            if issubclass(klass, Derivation) and klass is not Derivation:
                slots = klass.__dict__.get("__slots__", ())
                out.extend([slots] if isinstance(slots, str) else slots)
        return tuple(out)

    def _make_steps(self) -> Iterable[Step]:
        """The steps when none were given: a subclass builds them from its fields."""
        return ()

    def _with(self, **changes: Any) -> Derivation:
        """A copy with some fields changed (base or declared); the object itself is immutable.

        Examples
        --------
        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> d = Derivation(2*x, [Step(2*x, "given")], kind="example")
        >>> d._with(kind="renamed").kind, d.kind
        ('renamed', 'example')
        """
        base = {name: getattr(self, name) for name in self._BASE_FIELDS}
        fields = {name: getattr(self, name) for name in self._fields()}
        for name, value in changes.items():
            if name in base:
                base[name] = value
            elif name in fields:
                fields[name] = value
            elif name != "steps":
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
        if "steps" in changes:
            steps = changes["steps"]
        elif self._own_steps:
            steps = None  # built by the copy's own _make_steps, from its new fields
        else:
            steps = self._steps if self._steps is not None else self._steps_factory
        result = base.pop("result")
        return type(self)(result, steps, **base, **fields)

    @staticmethod
    def _check_steps(steps: Iterable[Step]) -> tuple[Step, ...]:
        out = tuple(steps)
        for s in out:
            if not isinstance(s, Step):
                raise ArgumentError(
                    bad_argument("steps", s, "each step must be a symml.Step(expr, why)")
                )
        return out

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Derivation is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Derivation is immutable; cannot delete {name!r}")

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps, built on first access when a factory was given."""
        if self._steps is None:
            object.__setattr__(self, "_steps", self._check_steps(self._steps_factory()))
            object.__setattr__(self, "_steps_factory", None)
        return self._steps

    # -- SymPy interoperability -------------------------------------------------
    def _sympy_(self) -> sp.Basic:
        return self.result

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Derivation):
            return (self.kind, self.result, self.source, self.wrt) == (
                other.kind,
                other.result,
                other.source,
                other.wrt,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.kind, self.result, self.source, self.wrt))

    def __repr__(self) -> str:
        return f"Derivation({self.kind}: {self.result})"

    # -- consumers --------------------------------------------------------------
    def default_args(self) -> list[sp.Basic]:
        """Arguments of the numeric function: ``wrt`` first, then other symbols by name.

        Symbols that only give matrix sizes (``m`` in ``OneMatrix(1, m)`` or
        ``MatrixSymbol("X", m, n)``) are not arguments: the arrays carry them.
        """
        free = self.result.free_symbols
        if self.source is not None:
            free = free | self.source.free_symbols
        sizes: set[sp.Basic] = set()
        for obj in (self.result, self.source):
            if obj is None:
                continue
            for m in obj.atoms(sp.MatrixExpr):
                for dim in m.shape:
                    sizes |= sp.sympify(dim).free_symbols
        first = [s for s in self.wrt if isinstance(s, sp.Basic)]
        rest = sorted(
            (s for s in free if s not in set(first) and s not in sizes), key=lambda s: s.name
        )
        return first + rest

    def to_numpy(self, args: Sequence[Any] | None = None, **options: Any) -> Callable[..., Any]:
        """A vectorised NumPy function of the result; see :func:`symml.to_numpy`.

        ``args`` defaults to :meth:`default_args`. The output has the shape of
        what was derived, then the inputs' broadcast shape: a gradient ``(n,)``,
        a Jacobian ``(m, n)``, a Hessian ``(n, n)``, for every ``n`` (1 included).
        """
        args = self.default_args() if args is None else args
        return hooks.get("to_numpy")(self, args, **options)

    def _array_shape(self) -> tuple[int, ...] | None:
        """The leading shape of :meth:`to_numpy`'s output (None: ``to_numpy``'s default).

        A subclass whose result is a matrix in every case (a Hessian, a
        Jacobian) returns its shape, so a 1 x 1 result stays two-dimensional.
        """
        return None

    def verify(self, **options: Any) -> Verdict:
        """Check the result numerically against its source; return a Verdict.

        For derivatives this compares with central finite differences at
        seeded random points drawn according to the symbols' assumptions.
        """
        func = self.verifier
        if func is None:
            checker = hooks.get("check_steps")
            func = lambda d, **kw: checker(d, **kw).verdict  # noqa: E731
            accepted = _keyword_options(checker)
        else:
            accepted = _keyword_options(func)
        unknown = [] if accepted is None else sorted(set(options) - set(accepted))
        if unknown:
            raise ArgumentError(
                bad_argument(
                    unknown[0],
                    options[unknown[0]],
                    f"verify() of this {self.kind} accepts "
                    + (", ".join(f"{o}=" for o in accepted) if accepted else "no options"),
                )
            )
        return func(self, **options)

    def latex(self, **options: Any) -> str:
        """The derivation as an ``align*`` block, one step per line with its reason."""
        return hooks.get("derivation_latex")(self, **options)

    def markdown(self, **options: Any) -> str:
        """The derivation as Markdown with a ``$$`` display block (Jupyter, GitHub)."""
        return hooks.get("derivation_markdown")(self, **options)

    def _repr_latex_(self) -> str:
        return hooks.get("derivation_latex")(self, environment="aligned", display=True)
