r"""Array code on other array libraries: generated functions follow their inputs (JAX, Dask, ...).

A function made by :func:`symml.to_numpy` runs its NumPy code unchanged on
NumPy inputs (lists, scalars, pandas included). When an input is an array of
another library -- JAX (``jax.jit`` included), Dask, CuPy, PyTorch, or any
array with ``__array_namespace__`` -- the library is found with
``array_api_compat.array_namespace`` (imported only then) and the same
printed formula runs in a namespace where ``numpy`` is that library: the
result is an array of the caller's library (a lazy Dask array for Dask
inputs), never a silent conversion. The code for such inputs writes no array
in place and branches on no value, so ``jax.jit`` traces it.

:func:`foreign` tells whether a call needs this path: the generated NumPy
code first tests each argument's type against a set (NumPy arrays, numbers,
lists), tens of nanoseconds, and calls it only for other types;
:class:`ForeignRunner` (bound as ``_array_code``) compiles the
array-code source once per library and calls it. Helpers the generated code
calls are bound per library by :func:`namespace`; those with no equivalent in
a library (e.g. the least-squares QR runtime) raise an
:class:`~symml.ArgumentError` that names the library.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import ArgumentError
from .runtime import _bind_arrays

__all__ = ["ForeignRunner", "foreign", "namespace"]

# Types that always take the NumPy path (checked first, by identity: no cost).
_PLAIN_TYPES = frozenset(
    {np.ndarray, float, int, bool, complex, list, tuple, np.float64, np.float32, np.int64}
)
# Top-level modules whose arrays take the array-code path.
_FOREIGN_MODULES = frozenset({"jax", "jaxlib", "dask", "cupy", "cupyx", "torch"})


def _is_foreign(value: Any) -> bool:
    t = type(value)
    if t in _PLAIN_TYPES or isinstance(value, (np.ndarray, np.generic)):
        return False
    if t.__module__.partition(".")[0] in _FOREIGN_MODULES:
        return True
    return hasattr(value, "__array_namespace__")


def foreign(*values: Any) -> bool:
    """Whether any value is an array of a library other than NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> foreign(np.ones(2), 1.0, [1, 2])
    False
    """
    return any(map(_is_foreign, values))


def library_of(values: Sequence[Any]) -> Any:
    """The array namespace of the foreign arrays among ``values`` (one library only)."""
    import array_api_compat as compat  # only now: keeps ``import symml`` fast

    arrays = [v for v in values if _is_foreign(v)]
    try:
        return compat.array_namespace(*arrays)
    except TypeError as exc:
        names = sorted({type(a).__module__.partition(".")[0] for a in arrays})
        raise ArgumentError(
            f"the arrays passed come from more than one array library ({', '.join(names)}): "
            f"{exc}; pass arrays of one library (NumPy arrays and numbers may join any of them), "
            "converting the others yourself"
        ) from None


def _native(xp: Any) -> tuple[str, Any]:
    """(library name, its NumPy-like module) for an array_api_compat namespace."""
    name = xp.__name__
    if name.startswith("array_api_compat."):
        name = name.split(".")[1]
    top = name.partition(".")[0]
    if top == "dask":
        import dask.array as da

        return "Dask", da
    if top == "jax":
        import jax.numpy as jnp

        return "JAX", jnp
    if top == "cupy":
        import cupy

        return "CuPy", cupy
    if top == "torch":
        return "PyTorch", xp
    return top, xp


class _Module:
    """``numpy`` for the generated code: the library's module, then its array-API namespace."""

    def __init__(self, label: str, native: Any, xp: Any) -> None:
        self._label = label
        self._native = native
        self._xp = xp

    def __getattr__(self, attr: str) -> Any:
        for source in (self._native, self._xp):
            value = getattr(source, attr, None)
            if value is not None:
                setattr(self, attr, value)
                return value
        return _missing(self._label, f"numpy.{attr}")


def _missing(label: str, what: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ArgumentError(
            f"the generated code calls {what}, which has no equivalent for {label} arrays; "
            f"pass NumPy arrays (e.g. numpy.asarray(x)) to run it with NumPy"
        )

    return refuse


def _sigmoid(xp: Any) -> Callable[[Any], Any]:
    """The logistic sigmoid in ``xp`` without SciPy: no overflow for any real input."""

    def expit(z: Any) -> Any:
        e = xp.exp(-xp.abs(z))  # in (0, 1]: never overflows
        return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))  # exact tails on both sides

    return expit


class _Broadcast:
    def __init__(self, *arrays: Any) -> None:
        self.shape = _broadcast_shapes(*(getattr(a, "shape", ()) for a in arrays))


def _broadcast_shapes(*shapes: Sequence[Any]) -> tuple[Any, ...]:
    ndim = max((len(s) for s in shapes), default=0)
    out: list[Any] = []
    for axis in range(-ndim, 0):
        sizes = {s[axis] for s in shapes if len(s) >= -axis} - {1}
        if len(sizes) > 1:
            raise ValueError(f"shapes {list(map(tuple, shapes))} do not broadcast")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _result_type(*items: Any) -> Any:
    dtypes = [a.dtype if hasattr(a, "dtype") else np.result_type(a) for a in items]
    return functools.reduce(np.promote_types, [np.dtype(d) for d in dtypes])


def _asfloat(mod: _Module) -> Callable[[Any], Any]:
    """Arrays of the library (no conversion to NumPy); integers and bools become float64."""

    def asfloat(a: Any) -> Any:
        a = mod.asarray(a)
        if np.dtype(a.dtype).kind in "biu":
            a = a.astype(np.float64)
        return a

    return asfloat


def _helpers(label: str, xp: Any, mod: _Module) -> dict[str, Any]:
    """The runtime names of the generated code, for arrays of one library."""
    asfloat = _asfloat(mod)

    def full(shape: Any, value: Any, dtype: Any) -> Any:
        return mod.full(tuple(shape), value, dtype=dtype)

    def expand(value: Any, shape: tuple[int, ...]) -> Any:
        value = asfloat(value)
        return value if tuple(value.shape) == tuple(shape) else mod.broadcast_to(value, shape)

    def assemble(lead: tuple[int, ...], shape: tuple[int, ...], dtype: Any, entries: Any) -> Any:
        """The ``(*lead, *shape)`` array of the entries (None: zero), by stacking, not writing."""
        zero = None
        parts = []
        for e in entries:
            if e is None:
                zero = mod.zeros(shape, dtype=dtype) if zero is None else zero
                parts.append(zero)
            else:
                parts.append(mod.broadcast_to(mod.asarray(e, dtype=dtype), shape))
        return mod.reshape(mod.stack(parts), tuple(lead) + tuple(shape))

    def bind(spec: Any, dims: Any, *values: Any) -> list[Any]:
        return _bind_arrays(spec, dims, values, lambda name, value: asfloat(value))

    def logdet(A: Any) -> Any:
        sign, logabs = mod.linalg.slogdet(A)
        return mod.where(sign > 0, logabs, mod.where(sign == 0, -mod.inf, mod.nan))

    def explicit(rows: Any) -> Any:
        return asfloat(mod.stack([mod.stack([mod.asarray(v) for v in row]) for row in rows]))

    def solve_normal(*args: Any, **kwargs: Any) -> Any:
        raise ArgumentError(
            f"this function solves least squares with the NumPy QR runtime, which does not run on "
            f"{label} arrays; pass NumPy arrays (e.g. numpy.asarray(X)) for this solve"
        )

    def gram(B: Any, v: Any) -> Any:
        return B.T @ (v * B)  # no branch on values: jax.jit traces it

    def iscomplex(*arrays: Any) -> bool:  # the dtype is static: no branch on a value
        return any(xp.isdtype(a.dtype, "complex floating") for a in arrays)

    lin = mod.linalg
    return {
        "_gram": gram,
        "_iscomplex": iscomplex,
        "numpy": mod,
        "scipy": types.SimpleNamespace(special=_Special(label, mod)),
        "_asarray": mod.asarray,
        "_asfloat": asfloat,
        "_float64": np.float64,
        "_broadcast": _Broadcast,
        "_broadcast_shapes": _broadcast_shapes,
        "_result_type": _result_type,
        "_result_type_many": _result_type,
        "_full": full,
        "_expand": expand,
        "_assemble": assemble,
        "_bind": bind,
        "_solve": lin.solve,
        "_solve_normal": solve_normal,
        "_inv": getattr(lin, "inv", None) or _missing(label, "numpy.linalg.inv"),
        "_det": getattr(lin, "det", None) or _missing(label, "numpy.linalg.det"),
        "_logdet": logdet,
        "_trace": mod.trace,
        "_einsum": mod.einsum,
        "_eye": mod.eye,
        "_ones": mod.ones,
        "_zeros": mod.zeros,
        "_diagflat": mod.diagflat,
        "_diagonal": mod.diagonal,
        "_matrix_power": getattr(lin, "matrix_power", None)
        or _missing(label, "numpy.linalg.matrix_power"),
        "_kron": mod.kron,
        "_block": mod.block,
        "_explicit": explicit,
    }


class _Special:
    """``scipy.special`` for the generated code: the sigmoid in the library, else its own."""

    def __init__(self, label: str, mod: _Module) -> None:
        self.expit = _sigmoid(mod)
        self._label = label
        self._scipy = None
        if label == "JAX":
            import jax.scipy.special as jss

            self._scipy = jss
        elif label == "Dask":  # SciPy's ufuncs stay lazy on Dask arrays
            import scipy.special as ss

            self._scipy = ss

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._scipy, attr, None) if self._scipy is not None else None
        return value if value is not None else _missing(self._label, f"scipy.special.{attr}")


@functools.cache
def namespace(xp: Any) -> dict[str, Any]:
    """The names the generated code uses, for the arrays of an array namespace."""
    label, native = _native(xp)
    return _helpers(label, xp, _Module(label, native, xp))


class ForeignRunner:
    """Compiles the array-code source once per library and runs it."""

    def __init__(self, source: str, ident: str) -> None:
        self.source = source
        self.ident = ident
        self.compiled: dict[Any, Callable[..., Any]] = {}

    def __call__(self, *args: Any) -> Any:
        xp = library_of(args)
        func = self.compiled.get(xp)
        if func is None:
            from .source import _compile_in

            func = _compile_in(self.source, self.ident, namespace(xp))
            self.compiled[xp] = func
        return func(*args)
