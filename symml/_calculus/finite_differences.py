"""Finite differences: the one numeric check of every derivative symml derives.

A derivative is compared with central differences of what it was derived from, at
seeded random points. Two estimates, with steps ``h`` and ``2h``, are combined by
Richardson extrapolation (which removes the ``h**2`` error term); their difference
estimates the error that is left, so a fast-varying function (``sin(x**4)`` at
``x = 3``) is judged with the accuracy actually had, and a point where the two
estimates disagree by more than 10% is skipped rather than judged.

Callers describe where to compare with :class:`Probe` objects and :func:`judge`
turns them into a :class:`~symml.Verdict`: :func:`fd_verdict` probes functions of
Symbols at a batch of points (gradients, Jacobians, Hessians, backpropagation);
:mod:`symml._calculus.matrix.oracle` probes matrix expressions, one sampled set of
matrices at a time.

Examples
--------
>>> import sympy as sp, symml
>>> x, y = sp.symbols("x y", real=True)
>>> H = symml.hessian(x**3 * y, [x, y])
>>> fd_verdict(H).notes[0]
'central differences of order 2 with Richardson extrapolation at 20 seeded random points'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._codegen import to_numpy
from .._core import Derivation, Verdict, sample_arrays

__all__ = ["Probe", "derivative_verdict", "fd_verdict", "judge"]

#: Relative step of central differences of order 1 and 2 (balancing rounding and truncation).
_STEP = {1: float(np.cbrt(np.finfo(float).eps)), 2: float(np.finfo(float).eps ** 0.25)}


@dataclass(frozen=True)
class Probe:
    """One place to compare a derivative with central differences.

    Attributes
    ----------
    F_at : callable
        ``F_at(shifts)``: the ``m`` functions differentiated, as an array
        ``(m, *batch)``, with variable ``j`` moved by ``shifts[j]`` (a number or an
        array of the batch shape).
    claimed : ndarray
        The derivative, ``(rows, k, *batch)`` in the order (row, variable): for
        ``order=1`` row ``i`` holds the partials of function ``i``; for ``order=2``
        the ``k x k`` second partials of the single function.
    scale : ndarray
        ``(k, *batch)``: the size of each variable (steps are relative to it).
    point : callable
        ``point(b)``: the counterexample at the batch index ``b``, for the Verdict.
    shape : tuple of int
        The derivative's own shape, to name a wrong entry (row-major in ``rows x k``).
    """

    F_at: Callable[[Mapping[int, Any]], np.ndarray]
    claimed: np.ndarray
    scale: np.ndarray
    point: Callable[[tuple[int, ...]], dict]
    shape: tuple[int, ...]


def _differences(probe: Probe, order: int, step: float) -> np.ndarray:
    """Central-difference estimate of every entry of ``probe.claimed``, steps ``step * scale``."""
    F_at, k = probe.F_at, probe.scale.shape[0]
    h = step * probe.scale
    out = np.empty(probe.claimed.shape, dtype=complex)
    if order == 1:
        for j in range(k):
            out[:, j] = (F_at({j: h[j]}) - F_at({j: -h[j]})) / (2 * h[j])
        return out
    for i in range(k):
        for j in range(i, k):
            hi, hj = h[i], h[j]
            if i == j:
                est = (F_at({i: hi}) - 2 * F_at({}) + F_at({i: -hi})) / hi**2
            else:
                est = (
                    F_at({i: hi, j: hj})
                    - F_at({i: hi, j: -hj})
                    - F_at({i: -hi, j: hj})
                    + F_at({i: -hi, j: -hj})
                ) / (4 * hi * hj)
            out[i, j] = out[j, i] = est[0]
    return out


def _compare(
    probe: Probe, order: int, rtol: float, atol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(estimate, bad, judged)``: extrapolated estimate, wrong entries, judged entries."""
    claimed = probe.claimed
    with np.errstate(all="ignore"):
        coarse = _differences(probe, order, 2 * _STEP[order])
        fine = _differences(probe, order, _STEP[order])
        estimate = (4 * fine - coarse) / 3
        fd_error = np.abs(fine - coarse)
        # Rounding: finite differences lose digits in proportion to |F| / h**order.
        size = np.max(np.abs(probe.F_at({})), axis=0)
        tol = atol * (1 + size) + rtol * np.abs(estimate) + fd_error
        reliable = fd_error <= 0.1 * np.abs(estimate) + atol * (1 + size)
        judged = np.isfinite(claimed) & np.isfinite(estimate) & reliable
        bad = judged & (np.abs(claimed - estimate) > tol)
    return estimate, bad, judged


def judge(
    result: sp.Basic,
    probes: Iterable[Probe],
    *,
    order: int,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> Verdict:
    """The Verdict on ``result`` from its finite-difference ``probes`` (see :class:`Probe`)."""
    if order == 2:
        rtol, atol = max(rtol, 1e-4), max(atol, 1e-4)
    valid = 0
    for probe in probes:
        estimate, bad, judged = _compare(probe, order, rtol, atol)
        rows, k = probe.claimed.shape[:2]
        valid += int(np.all(judged.reshape(rows * k, -1), axis=0).sum())
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            entry = tuple(int(i) for i in np.unravel_index(idx[0] * k + idx[1], probe.shape))
            return Verdict(
                False,
                "finite differences",
                claimed=result,
                counterexample=probe.point(idx[2:]),
                claimed_value=complex(probe.claimed[idx]),
                expected_value=complex(estimate[idx]),
                notes=(f"central differences of order {order}", f"entry {entry} differs"),
                points=max(valid, 1),
                entry=entry,
            )
    if valid == 0:
        return Verdict(
            False,
            "inconclusive",
            claimed=result,
            notes=("inconclusive: no sample point gave finite, reliable values",),
        )
    notes = (
        f"central differences of order {order} with Richardson extrapolation at "
        f"{valid} seeded random points",
    )
    return Verdict(True, "finite differences", claimed=result, notes=notes, points=valid)


def fd_verdict(
    d: Derivation,
    *,
    n: int = 20,
    seed: int = 0,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    order: int | None = None,
    functions: Sequence[sp.Expr] | None = None,
) -> Verdict:
    """Compare the derivative ``d.result`` in the Symbols ``d.wrt`` with central differences.

    Parameters
    ----------
    d : Derivation
        A gradient (n x 1), Jacobian (m x n) or Hessian (n x n) of Symbols.
    n, seed : int
        How many seeded random points (drawn by the symbols' assumptions).
    rtol, atol : float
        Tolerances (at least ``1e-4`` for second differences).
    order : int, optional
        1 (first partials) or 2 (second partials); by default 2 for a Hessian.
    functions : sequence of expressions, optional
        What was differentiated; by default the entries of ``d.source``.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x = sp.Symbol("x", real=True)
    >>> bool(fd_verdict(symml.gradient(sp.sin(x), [x])))
    True
    """
    order = order if order is not None else (2 if d.kind == "hessian" else 1)
    if functions is None:
        source = d.source
        functions = list(source) if isinstance(source, sp.MatrixBase) else [source]
    wrt = list(d.wrt)
    others = set().union(*(F.free_symbols for F in functions), d.result.free_symbols)
    args = wrt + sorted(others - set(wrt), key=lambda s: s.name)
    points = sample_arrays(args, (n,), seed=seed)
    values = [points[s] for s in args]
    rows = len(functions) if order == 1 else len(wrt)
    with np.errstate(all="ignore"):  # x**y at x < 0 is nan: not judged (see _compare)
        claimed = np.asarray(to_numpy(d.result, args)(*values), dtype=complex)
    F = to_numpy(sp.ImmutableMatrix(list(functions)), args)

    def F_at(shifts: Mapping[int, Any]) -> np.ndarray:
        shifted = list(values)
        for k, dx in shifts.items():
            shifted[k] = shifted[k] + dx
        return np.asarray(F(*shifted), dtype=complex).reshape((len(functions), n))

    probe = Probe(
        F_at,
        # Entries in the order (function i, variable j): a gradient's column has
        # the same data order as the 1 x n Jacobian of its single function.
        claimed.reshape((rows, len(wrt), n)),
        np.maximum(1.0, np.abs(np.asarray(values[: len(wrt)], dtype=float))),
        lambda b: {s: float(points[s][b]) for s in args},
        tuple(int(i) for i in d.result.shape),
    )
    return judge(d.result, [probe], order=order, rtol=rtol, atol=atol)


def derivative_verdict(
    d: Derivation, *, n: int = 20, seed: int = 0, rtol: float = 1e-5, atol: float = 1e-6
) -> Verdict:
    """The ``verifier`` of gradients, Jacobians and Hessians in Symbols: :func:`fd_verdict`
    with the order and the functions read from ``d`` (so ``verify()`` takes only these options).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x = sp.Symbol("x", real=True)
    >>> derivative_verdict(symml.hessian(sp.exp(x), [x]), n=5).points
    5
    """
    return fd_verdict(d, n=n, seed=seed, rtol=rtol, atol=atol)
