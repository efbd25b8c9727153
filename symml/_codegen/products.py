"""Matrix products as factor lists, and the normal-equation pattern ``M**-1 * N``.

=========================  ==============================================================
name                       what it is
=========================  ==============================================================
:func:`terms`              a sum of products as ``[(coefficient, [factors])]``
:func:`product`            the product of a list of factors
:func:`gram_block`         ``c * B^T W B`` recognised (W: none, ``DiagMatrix(v)``, a
                           symmetric weight, ``Sigma**-1``), as a :class:`Block`
:func:`normal_blocks`      ``M**-1 * N`` matched with the normal equations of a stacked
                           least-squares problem
=========================  ==============================================================

Used by the matrix compiler (:mod:`.compiler`) and, through the package's
``__init__``, by ``symml._ml`` (normal equations).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

__all__ = ["Block", "gram_block", "normal_blocks", "product", "terms"]


def _is_matrix(e: Any) -> bool:
    return isinstance(e, sp.MatrixExpr) or isinstance(e, sp.MatrixBase)


def _inverse_of(f: sp.Basic) -> sp.MatrixExpr | None:
    """``M`` when ``f`` is ``M**-1`` (``Inverse``, ``MatPow(M, -1)``, or a transpose of one)."""
    if isinstance(f, sp.Transpose):
        inner = _inverse_of(f.arg)
        return None if inner is None else inner.T
    if isinstance(f, sp.Inverse):
        return f.arg
    if isinstance(f, sp.MatPow) and f.exp == -1:
        return f.base
    return None


def _flat_factors(e: sp.Basic) -> tuple[sp.Expr, list[sp.MatrixExpr]]:
    """``(scalar coefficient, matrix factors)`` of a product, transposes distributed."""
    if isinstance(e, sp.MatMul):
        coeff: sp.Expr = sp.S.One
        factors: list[sp.MatrixExpr] = []
        for a in e.args:
            if isinstance(a, sp.MatrixExpr):
                c, fs = _flat_factors(a)
                coeff *= c
                factors.extend(fs)
            else:
                coeff *= a
        return coeff, factors
    if isinstance(e, sp.Transpose) and isinstance(e.arg, sp.MatMul):
        c, fs = _flat_factors(e.arg)
        return c, [f.T for f in reversed(fs)]
    return sp.S.One, [e]


def terms(e: sp.Basic) -> list[tuple[sp.Expr, list[sp.MatrixExpr]]]:
    """The terms of a sum of products, each as ``(coefficient, factors)``.

    Products over sums are expanded; transposes of products are distributed.

    Examples
    --------
    >>> import sympy as sp
    >>> n, m = sp.symbols("n m", integer=True, positive=True)
    >>> X, w = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1)
    >>> y = sp.MatrixSymbol("y", m, 1)
    >>> terms(2 * X.T * (X * w - y))
    [(-2, [X.T, y]), (2, [X.T, X, w])]
    """
    if isinstance(e, sp.MatMul) and any(isinstance(a, sp.MatAdd) for a in e.args):
        e = e.expand()
    args = e.args if isinstance(e, sp.MatAdd) else (e,)
    out = []
    for t in args:
        if isinstance(t, sp.MatMul) and any(isinstance(a, sp.MatAdd) for a in t.args):
            out.extend(terms(t.expand()))
        else:
            out.append(_flat_factors(t))
    return out


def _transposes(e: sp.Basic) -> int:
    return sum(isinstance(a, sp.Transpose) for a in sp.preorder_traversal(e))


def product(factors: Sequence[sp.MatrixExpr]) -> sp.MatrixExpr:
    """The product of one or more matrix factors (the inverse of :func:`terms` on one term).

    Examples
    --------
    >>> import sympy as sp
    >>> A, B = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
    >>> product([A, B.T]), product([A])
    (A*B.T, A)
    """
    return factors[0] if len(factors) == 1 else sp.MatMul(*factors)


class Block(NamedTuple):
    """One term ``c * B^T W B`` of a Gram-shaped matrix, and its target ``d``."""

    coeff: sp.Expr
    B: sp.MatrixExpr  # an Identity for penalty terms
    kind: str | None  # weight W: None, "diag" (DiagMatrix(v)), "psd" (W), "inv" (Sigma**-1)
    W: sp.MatrixExpr | None
    left: tuple[sp.MatrixExpr, ...]  # the factors B^T W as they appear on the left


def _weight(f: sp.MatrixExpr) -> tuple[str | None, sp.MatrixExpr | None] | None:
    if isinstance(f, sp.Identity):
        return None, None
    if isinstance(f, DiagMatrix):
        v = f.args[0]
        return "diag", (v.T if v.shape[0] == 1 and v.shape[1] != 1 else v)
    inner = _inverse_of(f)
    if inner is not None:
        return "inv", inner
    if isinstance(f, sp.MatrixSymbol) and f.shape[0] == f.shape[1]:
        return "psd", f
    return None


def gram_block(coeff: sp.Expr, factors: list[sp.MatrixExpr]) -> Block | None:
    """``c * B^T W B`` (W a PSD weight: none, DiagMatrix(v), a symbol, Sigma**-1), else None.

    ``factors`` is one term of :func:`terms`; an identity alone is a penalty
    block ``c * I``.

    Examples
    --------
    >>> import sympy as sp
    >>> n, m = sp.symbols("n m", integer=True, positive=True)
    >>> X, W = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("W", m, m)
    >>> block = gram_block(2, [X.T, W, X])
    >>> block.B, block.kind, block.W
    (X, 'psd', W)
    >>> gram_block(1, [X.T, W]) is None        # not of the shape B^T W B
    True
    """
    if len(factors) == 1:
        (f,) = factors
        if isinstance(f, sp.Identity):
            return Block(coeff, f, None, None, ())
        weight = _weight(f)
        if weight is None or weight[0] is None:
            return None
        n = f.shape[0]
        return Block(coeff, sp.Identity(n), weight[0], weight[1], (f,))
    k = len(factors)
    h = k // 2
    left, right = factors[:h], factors[k - h :]
    if left != [g.T for g in reversed(right)]:
        return None
    kind: str | None = None
    W = None
    if k % 2:
        weight = _weight(factors[h])
        if weight is None:
            return None
        kind, W = weight
    return Block(coeff, product(right), kind, W, tuple(factors[: k - h]))


def normal_blocks(
    M: sp.MatrixExpr, N: sp.MatrixExpr
) -> list[tuple[Block, sp.MatrixExpr | None]] | None:
    """Match ``M**-1 N`` with the normal equations of a stacked least-squares problem.

    ``M = sum_k c_k B_k^T W_k B_k`` and ``N = sum_k B_k^T W_k t_k``; returns
    ``[(block, t_k or None)]`` or None when the product has another shape.
    """
    blocks = []
    for coeff, factors in terms(M):
        b = gram_block(coeff, factors)
        if b is None:
            return None
        blocks.append(b)
    # data blocks first: an identity block would match any target
    order = sorted(range(len(blocks)), key=lambda i: isinstance(blocks[i].B, sp.Identity))
    targets: dict[int, list[sp.MatrixExpr]] = {}
    for coeff, factors in terms(N):
        for i in order:
            left = list(blocks[i].left)
            if factors[: len(left)] == left and len(factors) > len(left):
                targets.setdefault(i, []).append(coeff * product(factors[len(left) :]))
                break
        else:
            return None
    return [
        (b, sp.MatAdd(*targets[i]) if len(targets.get(i, ())) > 1 else targets.get(i, [None])[0])
        for i, b in enumerate(blocks)
    ]
