r"""The chain rule on a computation graph: backpropagation, step by step.

=======================  ==============================================================
name                     what it gives
=======================  ==============================================================
``ComputationGraph``     named nodes ``v = expression`` in forward order (the last one
                         is the loss), with the graph's inputs and parameters
``two_layer_network``    the graph of a network with one sigmoid hidden layer and a
                         squared-error or cross-entropy loss
``backprop``             the forward expressions, every local derivative, and the
                         backward pass (adjoints ``v̄ = ∂L/∂v``) as a Derivation whose
                         result is the gradient of the loss in the parameters
=======================  ==============================================================

Backpropagation is the chain rule organised by the graph: each node ``v``
gets an *adjoint* ``v̄ = ∂L/∂v``, starting from ``L̄ = 1`` and flowing
backwards, ``v̄ = Σ_c c̄ · ∂c/∂v`` over the nodes ``c`` that use ``v``; the
parameters' adjoints are the gradient. Each local derivative ``∂c/∂v``
differentiates one node's own formula (a sigmoid's is written
``σ (1 - σ)`` in terms of its output). The steps show it in terms of the
node symbols, which is what an implementation computes and what reads well
in notes; ``.result`` substitutes the forward pass so that it is a plain
gradient in the inputs and parameters -- equal to ``symml.gradient`` of
the composed loss, which the tests check symbolically, and to finite
differences, which ``.verify()`` checks.

Examples
--------
>>> import sympy as sp
>>> from symml import backprop
>>> x, w, b, y = sp.symbols("x w b y", real=True)
>>> z, L = sp.symbols("z L", real=True)
>>> bp = backprop({z: w*x + b, L: (z - y)**2 / 2}, [w, b])
>>> bp.result
Matrix([
[x*(b + w*x - y)],
[    b + w*x - y]])
>>> bp.adjoints[z]
-y + z
>>> bool(bp.verify())
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .._calculus import as_wrt, fd_verdict, gradient
from .._calculus import assumptions as calc_assumptions
from .._check import check
from .._codegen import expit
from .._core import (
    CHECK_BUDGET,
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    Derivation,
    Step,
    Verdict,
    as_sympy,
    bad_argument,
)

__all__ = ["Backprop", "ComputationGraph", "backprop", "two_layer_network"]


# --------------------------------------------------------------------------
# The graph
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ComputationGraph:
    """Nodes ``v = expression`` in forward order; the last node is the loss.

    Attributes
    ----------
    nodes : tuple of (Symbol, expression)
        Each expression may use inputs, parameters and earlier nodes.
    inputs : tuple of Symbol
        The data (features and targets).
    params : tuple of Symbol
        What the gradient is taken with respect to.

    Examples
    --------
    >>> from symml import two_layer_network
    >>> net = two_layer_network(2, 2)
    >>> [str(v) for v, _ in net.nodes]
    ['z_1', 'h_1', 'z_2', 'h_2', 'yhat', 'L']
    >>> net.params
    (w_11, w_12, b_1, w_21, w_22, b_2, v_1, v_2, c)
    """

    nodes: tuple[tuple[sp.Symbol, sp.Expr], ...]
    inputs: tuple[sp.Symbol, ...] = ()
    params: tuple[sp.Symbol, ...] = ()

    @property
    def loss(self) -> sp.Symbol:
        """The last node."""
        return self.nodes[-1][0]

    def forward(self) -> dict[sp.Symbol, sp.Expr]:
        """Each node as an expression in the inputs and parameters only."""
        full: dict[sp.Symbol, sp.Expr] = {}
        for v, e in self.nodes:
            full[v] = e.xreplace(full)
        return full


def two_layer_network(
    n_inputs: int = 2, n_hidden: int = 2, *, loss: str = "squared"
) -> ComputationGraph:
    r"""The graph of a network with one sigmoid hidden layer and a scalar output.

    ``z_j = Σ_i w_ji x_i + b_j``, ``h_j = σ(z_j)``, then

    * ``loss="squared"``: ``yhat = Σ_j v_j h_j + c`` and ``L = (yhat - y)^2 / 2``;
    * ``loss="cross_entropy"``: ``s = Σ_j v_j h_j + c``, ``yhat = σ(s)`` and
      ``L = -y log(yhat) - (1 - y) log(1 - yhat)``.

    Symbols are real; inputs ``x_1, ..., y``; parameters ``w_ji, b_j, v_j, c``.

    Examples
    --------
    >>> from symml import two_layer_network
    >>> net = two_layer_network(1, 1, loss="cross_entropy")
    >>> for v, e in net.nodes:
    ...     print(v, "=", e)
    z_1 = b_1 + w_11*x_1
    h_1 = expit(z_1)
    s = c + h_1*v_1
    yhat = expit(s)
    L = -y*log(yhat) - (1 - y)*log(1 - yhat)
    """
    for name, value in (("n_inputs", n_inputs), ("n_hidden", n_hidden)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ArgumentError(bad_argument(name, value, "use a positive integer, e.g. 2"))
    if loss not in ("squared", "cross_entropy"):
        raise ArgumentError(bad_argument("loss", loss, 'use "squared" or "cross_entropy"'))
    wide = n_inputs > 9 or n_hidden > 9

    def sym(name: str) -> sp.Symbol:
        return sp.Symbol(name, real=True)

    xs = [sym(f"x_{i}") for i in range(1, n_inputs + 1)]
    y = sym("y")
    nodes: list[tuple[sp.Symbol, sp.Expr]] = []
    params: list[sp.Symbol] = []
    hidden = []
    for j in range(1, n_hidden + 1):
        ws = [sym(f"w_{{{j},{i}}}" if wide else f"w_{j}{i}") for i in range(1, n_inputs + 1)]
        b = sym(f"b_{j}")
        params += [*ws, b]
        z, h = sym(f"z_{j}"), sym(f"h_{j}")
        nodes.append((z, sum((w * x for w, x in zip(ws, xs, strict=True)), b)))
        nodes.append((h, expit(z)))
        hidden.append(h)
    vs = [sym(f"v_{j}") for j in range(1, n_hidden + 1)]
    c = sym("c")
    params += [*vs, c]
    out = sum((v * h for v, h in zip(vs, hidden, strict=True)), c)
    yhat, L = sym("yhat"), sym("L")
    if loss == "squared":
        nodes.append((yhat, out))
        nodes.append((L, (yhat - y) ** 2 / 2))
    else:
        s = sym("s")
        nodes.append((s, out))
        nodes.append((yhat, expit(s)))
        nodes.append((L, -y * sp.log(yhat) - (1 - y) * sp.log(1 - yhat)))
    return ComputationGraph(tuple(nodes), (*xs, y), tuple(params))


def _as_graph(graph: Any, wrt: Any) -> tuple[ComputationGraph, tuple[sp.Symbol, ...]]:
    if isinstance(graph, ComputationGraph):
        g = graph
    else:
        if isinstance(graph, Mapping):
            items = list(graph.items())
        elif isinstance(graph, (list, tuple)):
            items = list(graph)
        else:
            raise ArgumentError(
                bad_argument(
                    "graph",
                    graph,
                    "pass a ComputationGraph, or the nodes as a dict {node: expression} in "
                    "forward order (the last node is the loss)",
                )
            )
        nodes = []
        for item in items:
            if not (isinstance(item, tuple) and len(item) == 2):
                raise ArgumentError(
                    bad_argument("graph", graph, f"{item!r} is not a (node, expression) pair")
                )
            v, e = item
            if not isinstance(v, sp.Symbol):
                raise ArgumentError(bad_argument("graph", graph, f"node {v!r} is not a Symbol"))
            nodes.append((v, as_sympy(e, "graph")))
        g = ComputationGraph(tuple(nodes))
    if not g.nodes:
        raise ArgumentError(bad_argument("graph", graph, "the graph has no nodes"))
    names = [v for v, _ in g.nodes]
    seen: set[sp.Symbol] = set()
    for k, (v, e) in enumerate(g.nodes):
        if v in seen:
            raise ArgumentError(bad_argument("graph", graph, f"node {v} is defined twice"))
        if not isinstance(e, sp.Expr) or isinstance(e, sp.MatrixBase):
            raise ArgumentError(
                bad_argument("graph", graph, f"node {v} must be a scalar expression")
            )
        later = [u for u in names[k:] if e.has(u)]
        if later:
            raise ArgumentError(
                bad_argument(
                    "graph",
                    graph,
                    f"node {v} uses {', '.join(map(str, later))}, defined at or after it; "
                    "list the nodes in forward order",
                )
            )
        seen.add(v)
    if wrt is None:
        if not g.params:
            raise ArgumentError(bad_argument("wrt", wrt, "give the parameters, e.g. wrt=[w, b]"))
        params = tuple(g.params)
    else:
        params = as_wrt(wrt)
    clash = [p for p in params if p in seen]
    if clash:
        raise ArgumentError(
            bad_argument(
                "wrt", wrt, f"{', '.join(map(str, clash))} is a node; differentiate by parameters"
            )
        )
    return g, params


# --------------------------------------------------------------------------
# Backpropagation
# --------------------------------------------------------------------------


class Backprop(Derivation):
    """Backpropagation through a graph; ``.result`` is the gradient column in ``wrt``.

    Attributes
    ----------
    graph : ComputationGraph
    forward : dict Symbol -> expression
        Each node in the inputs and parameters.
    local : dict (node, parent) -> expression
        The local derivatives ``∂node/∂parent``, in node symbols.
    adjoints : dict Symbol -> expression
        ``v̄ = ∂L/∂v`` for every node and parameter, in node symbols (the
        upstream adjoints substituted).
    adjoint_symbols : dict Symbol -> Symbol
        The symbol ``v̄`` used for each adjoint in the steps.

    Methods
    -------
    backward_pass()
        Only the backward steps, in node symbols: the part to put in notes.
    compare_with_direct()
        A proof that ``.result`` equals direct differentiation of the composed loss.
    """

    __slots__ = ("adjoint_symbols", "adjoints", "forward", "graph", "local")

    def compare_with_direct(self, *, budget: float = CHECK_BUDGET) -> Verdict:
        """Whether ``.result`` equals ``symml.gradient`` of the composed loss.

        Both sides are put in one normal form (``σ(-t) = 1 - σ(t)``, expanded,
        over a common denominator) and subtracted; a zero difference is a proof
        (``method == "symbolic"``). When that runs past ``budget`` seconds the
        comparison falls back to :func:`symml.check` (numeric, with a note).

        Examples
        --------
        >>> from symml import backprop, two_layer_network
        >>> v = backprop(two_layer_network(1, 1)).compare_with_direct()
        >>> bool(v), v.method
        (True, 'symbolic')
        """
        deadline = Deadline(budget)
        direct = gradient(self.source, self.wrt).result

        def prove() -> int | None:
            for k, (mine, theirs) in enumerate(zip(self.result, direct, strict=True)):
                diff = _sigmoid_normal_form(sp.expand(mine - theirs))
                if sp.cancel(sp.together(sp.expand(diff))) != 0:
                    return k
            return None

        bad, finished = deadline.run(prove)
        if finished and bad is None:
            return Verdict(
                True,
                "symbolic",
                claimed=self.result,
                expected=direct,
                notes=("equal to symml.gradient of the composed loss",),
            )
        verdict = check(self.result, direct)
        note = "no proof within the budget" if not finished else f"entry {bad} did not cancel"
        return Verdict(
            verdict.equivalent,
            verdict.method,
            claimed=self.result,
            expected=direct,
            counterexample=verdict.counterexample,
            claimed_value=verdict.claimed_value,
            expected_value=verdict.expected_value,
            notes=(note, *verdict.notes),
            points=verdict.points,
            entry=verdict.entry,
        )

    def backward_pass(self) -> Derivation:
        """The backward pass alone: seed, one adjoint per node, the gradient in node symbols.

        Examples
        --------
        >>> import sympy as sp
        >>> from symml import backprop
        >>> x, w, y, z, L = sp.symbols("x w y z L", real=True)
        >>> print(backprop({z: w*x, L: (z - y)**2}, [w]).backward_pass().latex())
        \\begin{align*}
        \\overline{L} &= 1 && \\text{seed: the adjoint of v is dL/dv, and dL/dL = 1} \\\\
        \\overline{z} &= 2 \\overline{L} \\left(- y + z\\right) && ... \\\\
        &= 2 \\left(- y + z\\right) && \\text{substitute the adjoints above} \\\\
        \\overline{w} &= \\overline{z} x && ... \\\\
        &= 2 x \\left(- y + z\\right) && \\text{substitute the adjoints above} \\\\
        \\nabla_{w} L &= \\left[\\begin{matrix}2 x \\left(- y + z\\right)\\end{matrix}... && ...
        \\end{align*}
        """
        steps = [s for s in self.steps if s.why.startswith(_BACKWARD_WHYS)]
        column = sp.ImmutableMatrix([self.adjoints[p] for p in self.wrt])
        if steps and steps[-1].expr != column:
            steps.append(Step(column, _GRADIENT_WHY, lhs=_grad_label(self.wrt)))
        return Derivation(column, steps, kind="backward pass", wrt=self.wrt)


_SEED_WHY = "seed: the adjoint of v is dL/dv, and dL/dL = 1"
_CHAIN_WHY = "chain rule: adjoints of the nodes using it times the local derivatives"
_SUBST_WHY = "substitute the adjoints above"
_GRADIENT_WHY = "the parameters' adjoints are the gradient"
_BACKWARD_WHYS = (_SEED_WHY, _CHAIN_WHY, _SUBST_WHY, _GRADIENT_WHY)


def _grad_label(params: Sequence[sp.Symbol]) -> str:
    if len(params) > 3:
        return r"\nabla_{\theta} L"
    return r"\nabla_{" + ", ".join(sp.latex(p) for p in params) + "} L"


def _adjoint_symbol(v: sp.Symbol) -> sp.Symbol:
    return sp.Symbol(r"\overline{" + sp.latex(v) + "}", real=True)


def _sigmoid_normal_form(expr: sp.Expr) -> sp.Expr:
    """``σ(-t)`` written as ``1 - σ(t)``, so that equal expressions share their atoms."""
    return expr.replace(
        lambda e: isinstance(e, expit) and e.args[0].could_extract_minus_sign(),
        lambda e: 1 - expit(-e.args[0]),
    )


def _local_derivative(
    expr: sp.Expr, parent: sp.Symbol, node: sp.Symbol, sigmoids: Mapping[sp.Expr, sp.Symbol]
) -> tuple[sp.Expr, str]:
    """``∂node/∂parent`` in node symbols, and the rule used."""
    if isinstance(expr, expit) and expr.args[0] == parent:
        return node * (1 - node), "sigmoid: sigma'(z) = sigma(z) (1 - sigma(z))"
    d = sp.diff(expr, parent)
    # sigma(-t) = 1 - sigma(t); a sigmoid that is a node is written as that node.
    d = _sigmoid_normal_form(d).xreplace(dict(sigmoids))
    if expr.is_Add:
        why = "the coefficient of the parent in a sum"
    elif isinstance(expr, expit):
        why = "sigmoid, chain rule"
    else:
        why = "differentiate the node's formula"
    return sp.factor_terms(d), why


def _tidy(expr: sp.Expr, deadline: Deadline) -> sp.Expr:
    """The shortest of a few cheap rewritings (cancel, factor), within a second of the budget."""

    def candidates() -> list[sp.Expr]:
        cancelled = sp.cancel(expr)
        return [sp.factor_terms(expr), cancelled, sp.factor_terms(cancelled), sp.factor(cancelled)]

    found, finished = deadline.run(candidates, cap=1.0)
    if not finished or not found:
        return expr
    return min([expr, *found], key=sp.count_ops)


def backprop(graph: Any, wrt: Any = None, *, budget: float = DEFAULT_BUDGET) -> Backprop:
    r"""Backpropagation on a computation graph, with every step shown.

    Parameters
    ----------
    graph : ComputationGraph, or a dict {node Symbol: expression} in forward order
        The last node is the (scalar) loss.
    wrt : sequence of Symbols, optional
        The parameters; default ``graph.params``.
    budget : float
        Seconds for tidying the adjoints (at most one per adjoint); once it
        is spent, adjoints are left as the chain rule gives them.

    Returns
    -------
    Backprop
        Steps: the forward pass (each node's formula), the local derivative
        on every edge that leads to a parameter, then the backward pass: the
        seed ``L̄ = 1`` and, node by node in reverse, ``v̄ = Σ_c c̄ ∂c/∂v``
        followed by its value with the upstream adjoints substituted; finally
        the gradient. ``.result`` is that gradient in the inputs and
        parameters; ``.verify()`` compares it with central differences of the
        composed loss. :meth:`Backprop.backward_pass` gives the backward
        steps alone for notes.

    Raises
    ------
    ArgumentError
        The graph is not in forward order, defines a node twice, or ``wrt``
        names a node.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import backprop, two_layer_network
    >>> bp = backprop(two_layer_network(2, 2, loss="cross_entropy"))
    >>> bp.adjoints[sp.Symbol("s", real=True)]          # σ and cross-entropy: yhat - y
    -y + yhat
    >>> [s.why for s in bp.steps if s.lhs == bp.adjoint_symbols[sp.Symbol("h_1", real=True)]]
    ['chain rule: adjoints of the nodes using it times the local derivatives']
    """
    deadline = Deadline(budget)
    g, params = _as_graph(graph, wrt)
    nodes = [v for v, _ in g.nodes]
    defs = dict(g.nodes)
    loss = g.loss
    targets = set(nodes[:-1]) | set(params)
    sigmoids = {e: v for v, e in g.nodes if isinstance(e, expit)}
    # local derivatives on the edges that lead to a parameter
    relevant = set(params)
    for v in nodes:
        if defs[v].free_symbols & relevant:
            relevant.add(v)
    local: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
    local_why: dict[tuple[sp.Symbol, sp.Symbol], str] = {}
    users: dict[sp.Symbol, list[sp.Symbol]] = {}
    for v in nodes:
        parents = sorted(
            (p for p in defs[v].free_symbols if p in targets and p in relevant),
            key=lambda p: (nodes.index(p) if p in nodes else len(nodes), sp.default_sort_key(p)),
        )
        for p in parents:
            local[v, p], local_why[v, p] = _local_derivative(defs[v], p, v, sigmoids)
            users.setdefault(p, []).append(v)
    bar = {v: _adjoint_symbol(v) for v in [*nodes, *params]}
    # backward: in reverse order of the nodes, then the parameters
    order = [v for v in reversed(nodes[:-1]) if v in users] + list(params)
    chain: dict[sp.Symbol, sp.Expr] = {}
    value: dict[sp.Symbol, sp.Expr] = {loss: sp.S.One}
    for v in order:
        chain[v] = sp.Add(*[bar[c] * local[c, v] for c in users.get(v, [])])
        upstream = {bar[c]: value[c] for c in users.get(v, [])}
        value[v] = _tidy(chain[v].xreplace(upstream), deadline)
    forward = g.forward()
    column = [value[p] for p in params]
    result = sp.ImmutableMatrix([e.xreplace(forward) for e in column])

    def steps() -> list[Step]:
        out = [Step(defs[v], "forward pass", lhs=v) for v in nodes]
        for (c, p), e in local.items():
            lhs = rf"\frac{{\partial {sp.latex(c)}}}{{\partial {sp.latex(p)}}}"
            out.append(Step(e, "local derivative: " + local_why[c, p], lhs=lhs))
        out.append(Step(sp.S.One, _SEED_WHY, lhs=bar[loss]))
        for v in order:
            out.append(Step(chain[v], _CHAIN_WHY, lhs=bar[v]))
            if value[v] != chain[v]:
                out.append(Step(value[v], _SUBST_WHY))
        out.append(Step(sp.ImmutableMatrix(column), _GRADIENT_WHY, lhs=_grad_label(params)))
        out.append(
            Step(result, "substitute the forward pass: the gradient in the inputs and parameters")
        )
        return out

    return Backprop(
        result,
        steps,
        kind="backpropagation",
        source=forward[loss],
        wrt=params,
        assumptions=calc_assumptions(forward[loss].free_symbols),
        verifier=_backprop_verdict,
        graph=g,
        forward=forward,
        local=local,
        adjoints={v: value[v] for v in [loss, *order]},
        adjoint_symbols=bar,
    )


def _backprop_verdict(
    d: Backprop, *, n: int = 20, seed: int = 0, rtol: float = 1e-5, atol: float = 1e-6
) -> Verdict:
    """Central differences of the composed loss in each parameter."""
    return fd_verdict(d, order=1, functions=[d.source], n=n, seed=seed, rtol=rtol, atol=atol)
