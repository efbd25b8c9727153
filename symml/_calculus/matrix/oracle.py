"""The numeric check of matrix calculus: sampled matrices and central differences.

:func:`matrix_fd_verdict` is the ``verifier`` of every matrix-calculus Derivation. It
evaluates the source and the result with :func:`symml.to_numpy` at seeded random
matrices and hands them to the one finite-difference judge,
:func:`symml._calculus.finite_differences.judge`, entry by entry of the variable.
Symbolic sizes become small distinct numbers (3, 5, 4, ...); square matrices are
sampled well conditioned, with positive determinant and not symmetric (so ``X^-1``
and ``X^-T`` differ) unless declared symmetric.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..._codegen import to_numpy
from ..._core import ArgumentError, Derivation, Verdict
from ..finite_differences import Probe, judge
from .expressions import _is_1x1, _is_matrix

__all__ = ["matrix_fd_verdict"]

_SIZES = (3, 5, 4, 6, 2, 7, 8)
_FAILURES = (np.linalg.LinAlgError, ValueError, TypeError, ZeroDivisionError)


def _symbols(exprs: Sequence[sp.Basic]) -> tuple[list, list, list]:
    """(MatrixSymbols, dimension symbols, other scalar symbols) of ``exprs``, each sorted."""
    mats = sorted({a for e in exprs for a in e.atoms(sp.MatrixSymbol)}, key=lambda s: s.name)
    dims = sorted(
        set().union(*(sp.sympify(s).free_symbols for m in mats for s in m.shape)),
        key=lambda s: s.name,
    )
    scalars = sorted(
        set().union(*(e.free_symbols for e in exprs)) - set(mats) - set(dims),
        key=lambda s: s.name,
    )
    return mats, dims, scalars


def _entries_as_traces(e: sp.Basic) -> sp.Basic:
    """``e`` with each 1 x 1 matrix argument of a scalar function (``exp(a.T*x)``) written
    as its trace, the one entry, which is how :func:`symml.to_numpy` reads it."""

    def scalar_of_1x1(node: sp.Basic) -> bool:
        return (
            isinstance(node, (sp.Function, sp.Pow))
            and not _is_matrix(node)
            and any(_is_1x1(a) for a in node.args)
        )

    def rewrite(node: sp.Basic) -> sp.Basic:
        return node.func(*[sp.Trace(a) if _is_1x1(a) else a for a in node.args])

    return e.replace(scalar_of_1x1, rewrite)


def _source_function(source: sp.Basic, args: list, dims: list) -> Callable[..., Any]:
    """The source as a NumPy function; sums over entries (``Sum(x[i, 0]**2, (i, 0, n - 1))``)
    get the sampled sizes first, which is what :func:`_sample_env` uses for ``dims``."""
    source = _entries_as_traces(source)
    if not source.has(sp.Sum, sp.Product):
        return to_numpy(source, args)
    sizes = {s: _SIZES[i % len(_SIZES)] for i, s in enumerate(dims)}
    return to_numpy(source.xreplace(sizes), [a.xreplace(sizes) for a in args])


def _scalar_value(s: sp.Symbol, rng: np.random.Generator, positive: bool) -> Any:
    if s.is_integer:
        return int(rng.integers(1, 4)) * (-1 if s.is_negative else 1)
    if s.is_positive or s.is_nonnegative or positive:
        return float(rng.uniform(0.5, 2.0))
    if s.is_negative:
        return -float(rng.uniform(0.5, 2.0))
    return float(rng.uniform(-2.0, 2.0))


def _sample_env(
    exprs: Sequence[sp.Basic], symmetric: frozenset, rng: np.random.Generator, positive: bool
) -> dict[sp.Basic, Any]:
    mats, dims, scalars = _symbols(exprs)
    env: dict[sp.Basic, Any] = {d: _SIZES[i % len(_SIZES)] for i, d in enumerate(dims)}
    for s in scalars:
        env[s] = _scalar_value(s, rng, positive)
    for M in mats:
        r, c = (int(sp.sympify(s).xreplace(env)) for s in M.shape)
        if r == c:
            B = rng.standard_normal((r, r))
            value = B @ B.T / r + np.eye(r)
            if M not in symmetric:
                C = rng.standard_normal((r, r))
                value = value + 0.3 * (C - C.T) / np.sqrt(r)
        else:
            value = rng.standard_normal((r, c))
            if positive:
                value = np.abs(value) + 0.1
        env[M] = value
    return env


def _counterexample(env: dict) -> dict:
    return {
        k: sp.ImmutableMatrix(np.round(v, 6).tolist()) if isinstance(v, np.ndarray) else v
        for k, v in env.items()
    }


def _probe(
    d: Derivation,
    F: Callable[..., Any],
    R: Callable[..., Any],
    args: list,
    rng: np.random.Generator,
    order: int,
) -> Probe | None:
    """One sampled point (positive values tried when plain ones give no finite value)."""
    for positive in (False, True):
        env = _sample_env([d.source, d.result], getattr(d, "symmetric", frozenset()), rng, positive)
        values = [env[a] for a in args]
        with np.errstate(all="ignore"):
            try:
                claimed = np.asarray(R(*values), dtype=float)
                F0 = np.asarray(F(*values), dtype=float)
            except _FAILURES:
                continue
        if np.all(np.isfinite(claimed)) and np.all(np.isfinite(F0)):
            break
    else:
        return None
    V = d.wrt[0]
    where, base = args.index(V), np.asarray(env[V], dtype=float)
    k, m = base.size, F0.size

    def F_at(shifts: Mapping[int, Any]) -> np.ndarray:
        value = base.copy().reshape(-1)
        for j, h in shifts.items():
            value[j] += float(np.asarray(h).reshape(-1)[0])
        shifted = list(values)
        shifted[where] = value.reshape(base.shape)
        try:
            return np.asarray(F(*shifted), dtype=float).reshape(m, 1)
        except _FAILURES:
            return np.full((m, 1), np.nan)

    rows = m if order == 1 else k
    shape = base.shape if d.kind == "gradient" else (rows, k)
    return Probe(
        F_at,
        claimed.reshape(rows, k, 1),
        np.maximum(1.0, np.abs(base)).reshape(k, 1),
        lambda b: _counterexample(env),
        tuple(int(i) for i in shape),
    )


def matrix_fd_verdict(
    d: Derivation, *, n: int = 3, seed: int = 0, rtol: float = 1e-5, atol: float = 1e-6
) -> Verdict:
    """Compare a matrix-calculus result with central differences at ``n`` sampled points.

    Parameters
    ----------
    d : Derivation
        A gradient, Jacobian or Hessian in the MatrixSymbol ``d.wrt[0]``; a field
        ``symmetric`` (a set of MatrixSymbols) makes those sampled symmetric.
    n, seed : int
        How many seeded random points.
    rtol, atol : float
        Tolerances (at least ``1e-4`` for the second differences of a Hessian).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> x = sp.MatrixSymbol("x", n, 1)
    >>> bool(matrix_fd_verdict(symml.gradient(x.T*x, x)))
    True
    """
    order = 2 if d.kind == "hessian" else 1
    mats, dims, scalars = _symbols([d.source, d.result])
    args = [*mats, *scalars]
    try:
        F = _source_function(d.source, args, dims)
        R = to_numpy(_entries_as_traces(d.result), args)
    except ArgumentError as exc:  # a node the code generator does not know
        return Verdict(False, "inconclusive", claimed=d.result, notes=(f"inconclusive: {exc}",))
    rng = np.random.default_rng(seed)
    probes = (_probe(d, F, R, args, rng, order) for _ in range(n))
    return judge(d.result, (p for p in probes if p is not None), order=order, rtol=rtol, atol=atol)
