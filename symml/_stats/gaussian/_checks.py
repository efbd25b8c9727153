"""Arguments of the Gaussian functions checked once: vectors, covariances, indices, numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..._core import ArgumentError, Deadline, Verdict, bad_argument

#: Seeded random parameter draws tried before a verification gives up.
_TRIES = 40


def as_vector(value: Any, name: str) -> sp.ImmutableMatrix:
    """A column Matrix from a list, tuple, 1-D array or Matrix; strings refused."""
    if isinstance(value, str):
        raise ArgumentError(bad_argument(name, value, "pass a list or a sympy Matrix, not text"))
    if isinstance(value, np.ndarray):
        value = value.tolist()
    try:
        M = sp.ImmutableMatrix(value) if not isinstance(value, sp.MatrixBase) else value
    except (TypeError, ValueError, sp.SympifyError) as exc:
        raise ArgumentError(
            bad_argument(name, value, "pass a list of numbers or SymPy expressions")
        ) from exc
    if M.shape[1] != 1 and M.shape[0] == 1:
        M = M.T
    if M.shape[1] != 1 or M.shape[0] == 0:
        raise ArgumentError(
            bad_argument(name, value, f"give a vector (k x 1); this has shape {M.shape}")
        )
    return sp.ImmutableMatrix(M)


def _is_zero(expr: sp.Expr, deadline: Deadline) -> bool | None:
    """Whether ``expr`` simplifies to 0 (None: not decided in time)."""
    value, finished = deadline.run(lambda: sp.simplify(expr), 1.0)
    return None if not finished else value == 0


def as_covariance(
    value: Any, k: int, deadline: Deadline, mean_name: str = "mean", name: str = "cov"
) -> sp.ImmutableMatrix:
    """A symmetric k x k Matrix that is positive definite as far as can be decided."""
    if isinstance(value, str):
        raise ArgumentError(bad_argument(name, value, "pass a sympy Matrix, not text"))
    try:
        S = sp.ImmutableMatrix(value.tolist() if isinstance(value, np.ndarray) else value)
    except (TypeError, ValueError, sp.SympifyError) as exc:
        raise ArgumentError(bad_argument(name, value, "pass a k x k Matrix")) from exc
    if S.shape != (k, k):
        raise ArgumentError(
            bad_argument(
                name,
                value,
                f"{mean_name} has {k} entries but {name} has shape {S.shape[0]} x {S.shape[1]}: "
                f"give a {k} x {k} covariance (or a mean with {S.shape[0]} entries)",
            )
        )
    asym = [
        (i, j)
        for i in range(k)
        for j in range(i + 1, k)
        if S[i, j] != S[j, i] and _is_zero(S[i, j] - S[j, i], deadline) is False
    ]
    if asym:
        i, j = asym[0]
        raise ArgumentError(
            bad_argument(
                name,
                value,
                f"a covariance is symmetric, but entry ({i}, {j}) = {S[i, j]} differs from "
                f"entry ({j}, {i}) = {S[j, i]}",
            )
        )
    check_positive_definite(S, name, value, deadline)
    return S


def check_positive_definite(S: sp.MatrixBase, name: str, value: Any, deadline: Deadline) -> None:
    """Refuse a covariance that is not positive definite, naming the offending eigenvalue
    (numbers) or leading minor (symbols, when its sign is known)."""
    if not S.free_symbols:
        arr = np.array(S.evalf(30).tolist(), dtype=float)
        eig, vec = np.linalg.eigh(arr)
        scale = max(1.0, float(np.abs(eig).max()))
        bad = np.flatnonzero(eig <= 1e-13 * scale)
        if bad.size:
            i = int(bad[0])
            raise ArgumentError(
                bad_argument(
                    name,
                    value,
                    f"a covariance must be symmetric positive definite, but its eigenvalue "
                    f"lambda_{i} = {eig[i]:.6g} is not positive (eigenvector "
                    f"{np.round(vec[:, i], 4).tolist()}); add a multiple of the identity "
                    "or drop the dependent direction",
                )
            )
        return
    for r in range(1, S.shape[0] + 1):
        minor, finished = deadline.run(lambda r=r: sp.simplify(S[:r, :r].det()), 1.0)
        if finished and minor.is_positive is False:
            raise ArgumentError(
                bad_argument(
                    name,
                    value,
                    f"a covariance must be positive definite, but its leading {r} x {r} minor "
                    f"{minor} is not positive (Sylvester's criterion); declare its symbols "
                    "positive or fix the entries",
                )
            )


def as_indices(idx: Any, k: int, name: str) -> list[int]:
    """Distinct indices 0..k-1, in the order given."""
    items = [idx] if isinstance(idx, (int, np.integer)) else list(idx)
    out: list[int] = []
    for i in items:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise ArgumentError(bad_argument(name, idx, "give integer indices, e.g. [0, 2]"))
        if not -k <= int(i) < k:
            raise ArgumentError(
                bad_argument(
                    name,
                    idx,
                    f"index {int(i)} is out of range for a Gaussian over {k} variables "
                    f"(valid: 0 to {k - 1})",
                )
            )
        j = int(i) % k
        if j in out:
            raise ArgumentError(bad_argument(name, idx, f"index {j} is given twice"))
        out.append(j)
    if not out:
        raise ArgumentError(bad_argument(name, idx, "give at least one index"))
    return out


def draw_values(symbols: Iterable[sp.Symbol], rng: np.random.Generator) -> dict[sp.Symbol, float]:
    """Moderate random values: positive symbols in [0.5, 2], others in [-1.5, 1.5]."""
    out = {}
    for s in sorted(symbols, key=lambda s: s.name):
        if s.is_positive or s.is_nonnegative:
            out[s] = float(rng.uniform(0.5, 2.0))
        elif s.is_integer:
            out[s] = float(rng.integers(1, 4))
        else:
            out[s] = float(rng.uniform(-1.5, 1.5))
    return out


def to_float(M: sp.MatrixBase, values: Mapping[sp.Basic, float]) -> np.ndarray:
    """A Matrix of expressions at numeric values, as a float array."""
    return np.array(
        M.xreplace({k: sp.Float(v, 30) for k, v in values.items()}).evalf(30).tolist(),
        dtype=complex,
    ).real


def is_spd(arr: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(arr)
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.isfinite(arr)))


def numeric_verdict(
    claimed: np.ndarray, expected: np.ndarray, what: str, *, points: int, rtol: float = 1e-8
) -> Verdict:
    """Whether two float arrays agree; a Verdict naming the worst entry otherwise."""
    a, b = np.asarray(claimed, dtype=float), np.asarray(expected, dtype=float)
    err = np.abs(a - b)
    tol = rtol * (1.0 + np.abs(b))
    ok = bool(np.all(err <= tol))
    worst = int(np.argmax(err - tol)) if err.size else 0
    note = f"{what}: largest difference {float(err.max()) if err.size else 0.0:.2e}"
    return Verdict(
        ok,
        "numeric",
        claimed_value=None if ok else float(a.ravel()[worst]),
        expected_value=None if ok else float(b.ravel()[worst]),
        notes=(note,),
        points=points,
    )


def monte_carlo_verdict(
    claimed: float, samples: np.ndarray, what: str, *, sigmas: float = 6.0
) -> Verdict:
    """Whether ``claimed`` is within ``sigmas`` standard errors of the mean of ``samples``."""
    mean = float(np.mean(samples))
    se = float(np.std(samples) / np.sqrt(samples.size))
    ok = abs(claimed - mean) <= sigmas * se + 1e-9 * (1 + abs(mean))
    return Verdict(
        ok,
        "monte carlo",
        claimed_value=claimed,
        expected_value=mean,
        notes=(f"{what}: Monte Carlo {mean:.6g} +- {se:.2g} ({samples.size} seeded draws)",),
        points=samples.size,
    )


def first_failure(verdicts: Sequence[Verdict], claimed: Any) -> Verdict:
    """One Verdict for several: the first that fails, else all notes together."""
    for v in verdicts:
        if not v:
            return Verdict(
                False,
                v.method,
                claimed=claimed,
                claimed_value=v.claimed_value,
                expected_value=v.expected_value,
                notes=v.notes,
                points=v.points,
            )
    methods = {v.method for v in verdicts}
    return Verdict(
        True,
        methods.pop() if len(methods) == 1 else "numeric",
        claimed=claimed,
        notes=tuple(n for v in verdicts for n in v.notes),
        points=sum(v.points for v in verdicts),
    )
