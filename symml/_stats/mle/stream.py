"""Maximum-likelihood fits on Dask arrays: sums over the sample streamed block by block.

A :class:`~symml._stats.mle.sample._Program` given a Dask array evaluates its
sums as Dask reductions: one pass over the data computes, for every block, the
block sums of the summands (NumPy pairwise summation inside a block, blocks
added exactly with ``math.fsum``) and, for centred sums of squares
``Σ (h(x_i) - c)²`` whose centre ``c`` is itself a sum, the block's count,
mean and centred ``M2`` of ``h``, merged pairwise with the update of Chan,
Golub and LeVeque (``M2 = M2_a + M2_b + δ² n_a n_b / n``). So the two-pass
accuracy of the NumPy path (NIST StRD NumAcc) holds within each block and
across blocks, in a single pass. Nothing is materialised: each block is
reduced to a few numbers where it is computed (threads, or the workers of a
``dask.distributed`` cluster).

``import dask`` happens only here, and only for Dask input (detected by the
module name of the input's type).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..._codegen import to_numpy
from ..._core import ArgumentError, bad_argument
from ..model import numeric_form

if TYPE_CHECKING:
    from .sample import _Program

_MEMO: OrderedDict[tuple, float] = OrderedDict()  # (array name, node, argv) -> value
_MEMO_SIZE = 512


def is_dask(x: Any) -> bool:
    """Whether ``x`` is a Dask array (by its type's module: no ``import dask``)."""
    return type(x).__module__.startswith("dask.array")


def _remember(key: tuple, value: float) -> None:
    _MEMO[key] = value
    _MEMO.move_to_end(key)
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)


def _chan(states: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Pairwise merge of ``(count, mean, M2)`` states (Chan, Golub and LeVeque)."""
    while len(states) > 1:
        merged = []
        for k in range(0, len(states) - 1, 2):
            (na, ma, qa), (nb, mb, qb) = states[k], states[k + 1]
            n = na + nb
            if n == 0:
                merged.append((0.0, 0.0, 0.0))
                continue
            delta = mb - ma
            merged.append((n, ma + delta * nb / n, qa + qb + delta * delta * na * nb / n))
        if len(states) % 2:
            merged.append(states[-1])
        states = merged
    return states[0]


class _Centred:
    """A node ``Σ (a·h(x) + b)²`` with ``h`` free of parameters and inner sums."""

    def __init__(self, h: sp.Expr, a: sp.Expr, b: sp.Expr, xs: sp.Symbol, names: list) -> None:
        self.key = h
        self.h = None if h == xs else to_numpy(numeric_form(h), [xs])
        self.ab = to_numpy(numeric_form(sp.ImmutableMatrix([a, b])), names)


def _centred(prog: _Program, k: int) -> _Centred | None:
    """The Chan form of node ``k`` when its body is ``a·h(x) + b`` over inner sums."""
    body = prog.bodies[k]
    mode = prog.nodes[k][3]
    inner = set(prog.dummies[:k])
    if mode != "dot" or body is None or not (body.free_symbols & inner):
        return None
    xs = prog.sample.xs
    terms = sp.Add.make_args(
        sp.expand(body, log=False, power_base=False, power_exp=False, multinomial=False)
    )
    with_x = sp.Add(*[t for t in terms if t.has(xs)])
    b = sp.Add(*[t for t in terms if not t.has(xs)])
    a, h = with_x.as_independent(xs, as_Add=False)
    if h.free_symbols != {xs} or a.has(xs) or a == 0:
        return None
    return _Centred(h, a, b, xs, [*prog.args, prog.sample.n, *prog.dummies])


def _block_row(block: np.ndarray, tasks: Sequence[tuple], width: int) -> np.ndarray:
    """One row of numbers summarising ``block`` for every task (runs where the block is)."""
    from .sample import _chunked

    row = np.zeros((1, width))
    nb = block.shape[0]
    row[0, 0] = nb
    col = 1
    with np.errstate(all="ignore"):
        for task in tasks:
            kind = task[0]
            if kind == "sum" and nb:
                row[0, col] = _chunked(task[1], block, task[2], task[3])
            elif kind == "moments" and nb:
                h = block if task[1] is None else np.asarray(task[1](block), dtype=float)
                h = np.broadcast_to(h, block.shape)
                mean = float(np.sum(h)) / nb
                c = h - mean
                row[0, col : col + 2] = (mean, float(np.einsum("i,i->", c, c)))
            elif kind in ("max", "min") and nb:
                row[0, col] = float(np.max(block) if kind == "max" else np.min(block))
            elif kind == "check":
                row[0, col] = task[1](block)
            col += 2 if kind == "moments" else 1
    return row


def block_table(data: Any, tasks: Sequence[tuple]) -> np.ndarray:
    """One pass over the Dask array ``data``: a NumPy table, one row per block.

    Column 0 is the block length; then one column per task (two for
    ``"moments"``: mean and centred ``M2``).
    """
    width = 1 + sum(2 if t[0] == "moments" else 1 for t in tasks)
    rows = data.map_blocks(
        _block_row,
        tasks,
        width,
        chunks=((1,) * data.numblocks[0], (width,)),
        new_axis=1,
        dtype=float,
    )
    return np.asarray(rows.compute(), dtype=float).reshape(-1, width)


def _merge(kind: str, column: np.ndarray, counts: np.ndarray) -> float:
    used = column[counts > 0]
    if kind == "sum":
        return math.fsum(used.tolist())
    if kind == "max":
        return float(np.max(used))
    return float(np.min(used))


def dask_fill(
    prog: _Program,
    data: Any,
    argv: Sequence[float],
    cache: dict,
    *,
    only_fixed: bool = False,
    extra: Sequence[tuple] = (),
    found: list | None = None,
) -> list[float]:
    """The values of ``prog``'s nodes on the Dask array ``data``, with as few passes as possible.

    A node is computed in the first pass whose inner sums are known; a centred
    sum of squares is computed in the same pass as its centre (Chan). Values
    are remembered per array (its Dask name) and arguments. ``extra`` tasks
    (``("check", f)``) ride along in the first pass; their per-block columns
    are appended to ``found``.
    """
    pending = list(extra)
    found = [] if found is None else found
    nodes = prog.nodes
    if "centred" not in prog.__dict__:
        prog.centred = [_centred(prog, k) for k in range(len(nodes))]
    n = int(data.shape[0])
    values: list[float | None] = [None] * len(nodes)
    keys = []
    for k, (d, _c, depends, _m, _s) in enumerate(nodes):
        key = (data.name, d, tuple(argv) if depends else ())
        keys.append(key)
        if d in cache and not depends:
            values[k] = cache[d]
        elif only_fixed and depends:
            values[k] = math.nan
        elif key in _MEMO:
            values[k] = _MEMO[key]
    moments: dict[sp.Expr, tuple[float, float, float]] = {}
    while any(v is None for v in values):
        _resolve(prog, values, argv, n, moments)
        todo = [k for k, v in enumerate(values) if v is None]
        if not todo:
            break
        tasks, owners = _tasks(prog, values, argv, n, moments, todo)
        if not tasks:  # pragma: no cover - every node has a body over earlier nodes
            raise RuntimeError(f"no streaming pass can compute nodes {todo}")
        tasks, owners = [*tasks, *pending], [*owners, *[None] * len(pending)]
        pending = []
        table = block_table(data, tasks)
        counts = table[:, 0]
        col = 1
        for task, owner in zip(tasks, owners, strict=True):
            if owner is None:
                found.append(table[:, col])
                col += 1
            elif task[0] == "moments":
                states = [tuple(r) for r in table[:, [0, col, col + 1]].tolist()]
                moments[owner] = _chan([s for s in states if s[0] > 0])
                col += 2
                continue
            else:
                values[owner] = _merge(task[0], table[:, col], counts)
                col += 1
    if pending:  # every node was known: the extra tasks alone
        table = block_table(data, pending)
        found.extend(table[:, 1 + j] for j in range(len(pending)))
    for k, (d, _c, depends, _m, _s) in enumerate(nodes):
        _remember(keys[k], values[k])  # type: ignore[arg-type]
        if not depends:
            cache[d] = values[k]
    return values  # type: ignore[return-value]


def _resolve(prog: _Program, values: list, argv: Sequence[float], n: int, moments: dict) -> None:
    """Nodes computable without a pass: constants and centred sums whose moments are known."""
    changed = True
    while changed:
        changed = False
        for k, (_d, compiled, _dep, mode, stat) in enumerate(prog.nodes):
            if values[k] is not None or stat is not None:
                continue
            known = values[:k]
            if None in _needed(prog, k, known):
                continue
            filled = [v if v is not None else math.nan for v in known]
            cen = prog.centred[k]
            if mode == "const":
                values[k] = n * float(compiled(*argv, n, *filled))
            elif cen is not None and cen.key in moments:
                a, b = (
                    float(v)
                    for v in np.asarray(
                        cen.ab(*argv, n, *filled, *[math.nan] * (len(values) - k))
                    ).ravel()
                )
                _cnt, mean, m2 = moments[cen.key]
                values[k] = a * a * (m2 + n * (mean + b / a) ** 2)
            else:
                continue
            changed = True


def _needed(prog: _Program, k: int, known: list) -> list:
    """The values of the inner nodes that node ``k``'s body refers to."""
    body = prog.bodies[k]
    if body is None:
        return []
    return [known[j] for j, dd in enumerate(prog.dummies[:k]) if body.has(dd)]


def _tasks(
    prog: _Program, values: list, argv: Sequence[float], n: int, moments: dict, todo: list[int]
) -> tuple[list[tuple], list]:
    tasks: list[tuple] = []
    owners: list = []
    for k in todo:
        _d, compiled, _dep, mode, stat = prog.nodes[k]
        if stat is not None:
            kind = {"SampleMax": "max", "SampleMin": "min"}.get(mode)
            if kind is None:
                raise ArgumentError(
                    bad_argument(
                        "data",
                        "<dask Array>",  # shape in the caller
                        f"the estimator needs the {mode} of the sample, which has no "
                        "streaming form; pass a NumPy array (data.compute()) if it fits "
                        "in memory",
                    )
                )
            tasks.append((kind,))
            owners.append(k)
            continue
        cen = prog.centred[k]
        if cen is not None and cen.key not in moments:
            if cen.key not in owners:
                tasks.append(("moments", cen.h))
                owners.append(cen.key)
            continue
        if None in _needed(prog, k, values[:k]):
            continue
        rest = (*argv, n, *[v if v is not None else math.nan for v in values[:k]])
        tasks.append(("sum", compiled, mode, rest))
        owners.append(k)
    return tasks, owners
