r"""The matrix-expression compiler: a SymPy matrix expression to a graph of NumPy operations.

:class:`_MatrixCompiler` turns the tree into a DAG of :class:`_MNode` in which
equal subexpressions are one node (``X @ w`` shared by a loss and its gradient
is computed once; a transposed sum ``w.T*X.T - y.T`` reuses ``X @ w - y``);
products are associated by the cheapest order for typical sizes (symbolic
sizes count as large); diagonal, ones and identity factors become
broadcasting, sums and nothing; ``M**-1 * N`` becomes a least-squares solve
when it has the shape of normal equations (:mod:`.products`), else an LU
solve. :func:`_emit` names the nodes used twice and inlines the rest, so the
code reads like hand-written NumPy. The front end is :mod:`.matrix`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from .._core import ArgumentError, bad_argument
from .products import (
    Block,
    _flat_factors,
    _inverse_of,
    _transposes,
    normal_blocks,
    product,
)
from .source import _Printer, _summary, _unsupported
from .stable import _Stabilizer


class _Ready(NamedTuple):
    """A factor already compiled to a node, with its shape."""

    node: int
    shape: tuple[Any, Any]


class _MNode(NamedTuple):
    """One value of the generated code: a template over child values."""

    template: str  # Python code with {0}, {1}, ... standing for the children
    children: tuple[int, ...]
    atom: bool  # usable without parentheses
    view: bool  # may alias an input array


def _ref(k: int) -> str:
    """The placeholder of child ``k`` in a node template."""
    return "{" + str(k) + "}"


_ATOM = re.compile(r"^[A-Za-z_][\w.]*$|^\d+(\.\d*)?$")


def _is_call(code: str) -> bool:
    """``f(...)`` or ``a[...]`` whose last bracket closes its first one."""
    m = re.match(r"^[A-Za-z_][\w.]*(?=[(\[])", code)
    if not m or code[-1] not in ")]":
        return False
    depth = 0
    for i, ch in enumerate(code[m.end() :], start=m.end()):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0:
            return i == len(code) - 1
    return False


class _MatrixCompiler:
    """Turns a matrix expression into a DAG of :class:`_MNode`, shared by value."""

    def __init__(
        self,
        names: dict[sp.Basic, str],
        dims: dict[sp.Symbol, str],
        *,
        stable: bool,
        cse: bool,
        value: Any,
        blocks_only: bool = False,
    ) -> None:
        self.names = names
        self.dims = dims
        self.rename = {
            s: sp.Symbol(n, **s.assumptions0)
            for s, n in [*names.items(), *dims.items()]
            if isinstance(s, sp.Symbol)
        }
        self.printer = _Printer()
        self.stabilizer = _Stabilizer() if stable else None
        self.cse = cse
        self.value = value
        self.nodes: list[_MNode] = []
        self.index: dict[tuple[str, tuple[int, ...]], int] = {}
        self.memo: dict[sp.Basic, int] = {}
        # True: an M**-1 * N of normal-equation shape yields its blocks, not a solve
        self.blocks_only = blocks_only

    # -- nodes -----------------------------------------------------------------
    def add(
        self, template: str, children: Sequence[int] = (), *, atom: bool = False, view: bool = False
    ) -> int:
        children = tuple(children)
        if template == "{0}" and len(children) == 1:
            return children[0]
        key = (template, children)
        found = self.index.get(key)
        if found is not None:
            return found
        if not atom:
            plain = template.format(*("x" for _ in children))
            atom = bool(_ATOM.match(plain)) or _is_call(plain)
        self.nodes.append(_MNode(template, children, atom, view))
        self.index[key] = len(self.nodes) - 1
        return len(self.nodes) - 1

    def leaf(self, name: str) -> int:
        return self.add(name, atom=True, view=True)

    def dim(self, d: Any) -> str:
        d = sp.sympify(d)
        if d.is_Integer:
            return str(int(d))
        if d in self.dims:
            return self.dims[d]
        return "(" + self.printer.doprint(d.xreplace(self.rename)) + ")"

    def shape_code(self, shape: tuple[Any, Any]) -> str:
        return f"({self.dim(shape[0])}, {self.dim(shape[1])})"

    def unsupported(self, part: sp.Basic) -> ArgumentError:
        name = type(part).__name__
        return ArgumentError(
            bad_argument(
                "expr",
                self.value,
                f"to_numpy does not support {name} in matrix expressions yet "
                f"({_summary(part, 80)}); rewrite it, e.g. with .doit() or .as_explicit()",
            )
        )

    # -- scalars ---------------------------------------------------------------
    def print_scalar(self, expr: sp.Expr, local: dict[sp.Symbol, int]) -> int:
        slots = sorted((s for s in local if expr.has(s)), key=lambda s: s.name)
        try:
            code = self.printer.doprint(expr)
        except (PrintMethodNotImplementedError, NotImplementedError):
            raise _unsupported([expr], self.value) from None
        code = code.replace("{", "{{").replace("}", "}}")
        names = {s.name: k for k, s in enumerate(slots)}
        code = re.sub(r"\b(_slot\d+|_cse\d+)\b", lambda m: _ref(names[m.group(1)]), code)
        return self.add(code, [local[s] for s in slots])

    def scalar_code(self, expr: sp.Expr, slots: dict[sp.Symbol, int]) -> int:
        """Node for a scalar (or element-wise) formula whose slot symbols are child nodes."""
        expr = expr.xreplace(self.rename)
        if self.stabilizer is not None:
            expr = self.stabilizer(expr)
        local = dict(slots)
        if self.cse:
            replacements, (reduced,) = sp.cse(
                [expr], symbols=sp.numbered_symbols("_cse"), optimizations=None
            )
        else:
            replacements, reduced = [], expr
        for sym, sub in replacements:
            local[sym] = self.print_scalar(sub, local)
        return self.print_scalar(reduced, local)

    def scalar(self, e: sp.Expr) -> int:
        if e in self.memo:
            return self.memo[e]
        slots: dict[sp.Symbol, int] = {}

        def lift(x: sp.Basic) -> sp.Basic:
            part = None
            if isinstance(x, sp.log) and isinstance(x.args[0], sp.Determinant):
                part = self.add("_logdet({0})", [self.mat(x.args[0].arg)])
            elif isinstance(x, sp.Determinant):
                part = self.add("_det({0})", [self.mat(x.arg)])
            elif isinstance(x, sp.Trace):
                part = self.trace(x.arg)
            elif isinstance(x, MatrixElement):
                i, j = (self.dim(k) for k in x.indices)
                part = self.add(f"{{0}}[{i}, {j}]", [self.mat(x.parent)], atom=True)
            elif isinstance(x, sp.MatrixExpr):
                raise self.unsupported(x)
            if part is not None:
                s = sp.Symbol(f"_slot{len(slots)}", real=True)
                slots[s] = part
                return s
            if not x.args or x.is_Atom:
                return x
            args = [lift(a) for a in x.args]
            changed = any(a is not b for a, b in zip(args, x.args, strict=True))
            return x.func(*args) if changed else x

        skeleton = lift(e)
        node = self.scalar_code(skeleton, slots)
        self.memo[e] = node
        return node

    def trace(self, A: sp.MatrixExpr) -> int:
        coeff, factors = _flat_factors(A)
        if len(factors) >= 2 and not any(_inverse_of(f) is not None for f in factors):
            node = self.add(
                '_einsum("ij,ji->", {0}, {1})',
                [self.chain(factors[:1]), self.chain(factors[1:])],
            )
        else:
            node = self.add("_trace({0})", [self.mat(product(factors))])
        return self.scale(coeff, node)

    def scale(self, coeff: sp.Expr, node: int) -> int:
        if coeff == 1:
            return node
        if coeff == -1:
            return self.add("-{0}", [node])
        return self.add("{0} * {1}", [self.scalar(coeff), node])

    # -- matrices --------------------------------------------------------------
    def mat(self, e: sp.Basic) -> int:
        if e in self.memo:
            return self.memo[e]
        if isinstance(e, (sp.MatAdd, sp.MatMul)) and _transposes(e.T) < _transposes(e):
            # w.T*X.T - y.T is (X*w - y).T: compute the column once, share it
            child = self.mat(e.T)
            node = self.add("{0}.T", [child], atom=True, view=self.nodes[child].view)
        else:
            node = self._mat(e)
        self.memo[e] = node
        return node

    def _mat(self, e: sp.Basic) -> int:
        if isinstance(e, sp.MatrixSymbol):
            return self.leaf(self.names[e])
        if isinstance(e, sp.MatrixBase):
            return self.explicit(e)
        if isinstance(e, sp.Transpose):
            inner = _inverse_of(e.arg)
            if inner is not None:
                return self.chain([sp.Inverse(inner.T)])
            child = self.mat(e.arg)
            return self.add("{0}.T", [child], atom=True, view=self.nodes[child].view)
        if isinstance(e, sp.MatAdd):
            return self.matadd(e)
        if isinstance(e, sp.MatMul):
            coeff, factors = _flat_factors(e)
            return self.scale(coeff, self.chain(factors))
        if isinstance(e, (sp.Inverse, sp.MatPow)):
            return self.power(e)
        if isinstance(e, ElementwiseApplyFunction):
            return self.applyfunc(e)
        node = self.special(e)
        if node is None:
            raise self.unsupported(e)
        return node

    def explicit(self, e: sp.MatrixBase) -> int:
        """An explicit Matrix whose entries may hold matrix expressions."""
        kids = [self.scalar(e[i, j]) for i in range(e.rows) for j in range(e.cols)]
        rows = [
            "(" + ", ".join(_ref(i * e.cols + j) for j in range(e.cols)) + ",)"
            for i in range(e.rows)
        ]
        return self.add("_explicit((" + ", ".join(rows) + ",))", kids)

    def power(self, e: sp.Inverse | sp.MatPow) -> int:
        if isinstance(e, sp.Inverse) or e.exp == -1:
            return self.chain([e])
        if tuple(e.base.shape) == (1, 1) and not e.exp.is_Integer:
            # a 1 x 1 matrix to any power is its entry to that power:
            # (x.T*x)**(-1/2) in the gradient of the norm
            return self.add("{0} ** {1}", [self.mat(e.base), self.scalar(e.exp)])
        if not e.exp.is_Integer:
            raise self.unsupported(e)
        k = int(e.exp)
        if k == 0:
            return self.add(f"_eye({self.dim(e.base.shape[0])})")
        base = self.chain([sp.Inverse(e.base)]) if k < 0 else self.mat(e.base)
        return self.add(f"_matrix_power({{0}}, {abs(k)})", [base])

    def special(self, e: sp.Basic) -> int | None:
        """Constant, diagonal, element-wise and block matrices (None: not one of them)."""
        simple = {
            sp.Identity: lambda: f"_eye({self.dim(e.shape[0])})",
            sp.ZeroMatrix: lambda: f"_zeros({self.shape_code(e.shape)})",
            sp.OneMatrix: lambda: f"_ones({self.shape_code(e.shape)})",
        }
        for cls, code in simple.items():
            if isinstance(e, cls):
                return self.add(code())
        if isinstance(e, DiagMatrix):
            return self.add("_diagflat({0})", [self.mat(e.args[0])])
        if isinstance(e, DiagonalOf):
            return self.add("_diagonal({0})[:, None]", [self.mat(e.arg)])
        if isinstance(e, DiagonalMatrix):
            return self.add("_diagflat(_diagonal({0}))", [self.mat(e.arg)])
        if isinstance(e, sp.HadamardPower):
            return self.add("{0} ** {1}", [self.mat(e.base), self.scalar(e.exp)])
        if isinstance(e, (sp.HadamardProduct, sp.KroneckerProduct)):
            kids = [self.mat(a) for a in e.args]
            if isinstance(e, sp.HadamardProduct):
                return self.add(" * ".join(_ref(i) for i in range(len(kids))), kids)
            code = "{0}"
            for i in range(1, len(kids)):
                code = f"_kron({code}, {_ref(i)})"
            return self.add(code, kids)
        if isinstance(e, sp.BlockMatrix):
            grid = e.blocks
            kids = [self.mat(grid[i, j]) for i in range(grid.rows) for j in range(grid.cols)]
            rows = [
                "[" + ", ".join(_ref(i * grid.cols + j) for j in range(grid.cols)) + "]"
                for i in range(grid.rows)
            ]
            return self.add("_block([" + ", ".join(rows) + "])", kids)
        return None

    def applyfunc(self, e: sp.MatrixExpr) -> int:
        f = e.function
        if isinstance(f, sp.Lambda):
            (var,) = f.variables
            body = f.expr
        else:
            var = sp.Dummy("t")
            body = f(var)
        slot = sp.Symbol("_slot0", real=True)
        body = body.xreplace({var: slot})
        arg = self.mat(e.expr)
        if not body.has(slot):
            return self.add(f"_full({self.shape_code(e.shape)}, {{0}})", [self.scalar(body)])
        return self.scalar_code(body, {slot: arg})

    def matadd(self, e: sp.MatAdd) -> int:
        arrays: list[tuple[str, int]] = []
        ones: list[sp.Expr] = []
        eyes: list[sp.Expr] = []
        for term in e.args:
            coeff, factors = _flat_factors(term)
            if len(factors) == 1 and isinstance(factors[0], sp.ZeroMatrix):
                continue
            if len(factors) == 1 and isinstance(factors[0], sp.OneMatrix):
                ones.append(coeff)
                continue
            if len(factors) == 1 and isinstance(factors[0], sp.Identity):
                eyes.append(coeff)
                continue
            if coeff.as_coeff_Mul()[0].is_negative:
                arrays.append(("-", self.mat(-term)))
            else:
                arrays.append(("+", self.mat(term)))
        # (sign, template, child): arrays first, so that a scalar broadcasts against them
        entries: list[tuple[str, str, int]] = [(sign, "{}", node) for sign, node in arrays]
        for coeffs, template in ((ones, "{}"), (eyes, "{} * _eye(" + self.dim(e.shape[0]) + ")")):
            if not coeffs:
                continue
            c = sp.Add(*coeffs)
            if not arrays and template == "{}":  # only constants: fill the shape
                template = "_full(" + self.shape_code(e.shape) + ", {})"
            sign = "-" if c.as_coeff_Mul()[0].is_negative else "+"
            entries.append((sign, template, self.scalar(-c if sign == "-" else c)))
        entries.sort(key=lambda item: item[0] == "-")  # a - b, not -b + a (one temporary less)
        parts: list[str] = []
        for k, (sign, template, _) in enumerate(entries):
            code = template.format(_ref(k))
            if parts:
                parts.append(f"{sign} {code}")
            else:
                parts.append(code if sign == "+" else f"-{code}")
        return self.add(" ".join(parts), [node for _, _, node in entries])

    # -- products --------------------------------------------------------------
    def chain(self, factors: Sequence[Any]) -> int:
        """A product of matrix factors (SymPy objects or ready node ids)."""
        for i, f in enumerate(factors):
            if isinstance(f, _Ready):
                continue
            inner = _inverse_of(f)
            if inner is None:
                continue
            left, right = list(factors[:i]), list(factors[i + 1 :])
            if right:
                node = self.solve(inner, right)
                if not left:
                    return node
                return self.chain([*left, _Ready(node, (inner.shape[0], right[-1].shape[1]))])
            if left:
                return self.add("_solve({0}.T, {1}.T).T", [self.mat(inner), self.chain(left)])
            return self.add("_inv({0})", [self.mat(inner)])
        return self.associate(list(factors))

    def solve(self, M: sp.MatrixExpr, right: list[Any]) -> int:
        """``M**-1 @ product(right)``: a stacked least-squares solve or an LU solve."""
        if all(not isinstance(f, _Ready) for f in right):
            matched = normal_blocks(M, product(right))
            if matched is not None:
                return self.normal_solve(matched)
        if self.blocks_only:
            raise ArgumentError(
                bad_argument(
                    "expr",
                    self.value,
                    "it is not a normal-equation solution (B^T W B + ...)**-1 * B^T W d",
                )
            )
        return self.add("_solve({0}, {1})", [self.mat(M), self.chain(right)])

    def normal_solve(self, matched: list[tuple[Block, sp.MatrixExpr | None]]) -> int:
        items: list[str] = []
        kids: list[int] = []

        def ref(node: int) -> str:
            kids.append(node)
            return _ref(len(kids) - 1)

        for block, target in matched:
            clabel = sp.sstr(block.coeff)
            c = ref(self.scalar(block.coeff))
            if isinstance(block.B, sp.Identity):
                B = self.dim(block.B.shape[0])
            else:
                B = ref(self.mat(block.B))
            W = "None" if block.W is None else ref(self.mat(block.W))
            wlabel = "" if block.W is None else sp.sstr(block.W)
            d = "None" if target is None else ref(self.mat(target))
            items.append(f"({clabel!r}, {c}, {B}, {block.kind!r}, {wlabel!r}, {W}, {d})")
        tuple_code = "(" + ", ".join(items) + ",)"
        tuple_code = tuple_code.replace("{", "{{").replace("}", "}}")
        tuple_code = re.sub(r"\{\{(\d+)\}\}", r"{\1}", tuple_code)
        if self.blocks_only:
            return self.add(tuple_code, kids)
        return self.add(f"_solve_normal({tuple_code})", kids)

    def associate(self, factors: list[Any]) -> int:
        """Multiply a chain without inverses, in a cheap order; diagonals broadcast."""
        items: list[_Item] = []
        for f in factors:
            if isinstance(f, _Ready):
                items.append(_Item("mat", f.node, f.shape))
            elif isinstance(f, DiagMatrix):
                v = f.args[0]
                vnode = self.mat(v)
                if v.shape[0] == 1 and v.shape[1] != 1:
                    vnode = self.add("{0}.T", [vnode], atom=True)
                items.append(_Item("diag", vnode, f.shape))
            elif isinstance(f, sp.OneMatrix):
                items.append(_Item("ones", None, f.shape))
            elif not isinstance(f, sp.Identity):
                items.append(_Item("mat", self.mat(f), f.shape))
        if not items:
            n = next(f for f in factors if isinstance(f, sp.Identity)).shape[0]
            return self.add(f"_eye({self.dim(n)})")
        if [it.kind for it in items] == ["mat", "diag", "mat"]:
            left = self.nodes[items[0].node]  # B.T * DiagMatrix(v) * B: a weighted Gram matrix
            if left.template == "{0}.T" and left.children == (items[2].node,):
                return self.add("_gram({0}, {1})", [items[2].node, items[1].node])
        # estimated sizes: symbolic dimensions count as large
        sizes = [_estimate(items[0].shape[0])] + [_estimate(it.shape[1]) for it in items]
        plan = _Plan(items, sizes, _cheapest_split([it.kind for it in items], sizes))
        kind, node = self.emit_product(plan, 0, len(items) - 1)
        return self.materialise(plan, kind, node, 0, len(items) - 1)

    def emit_product(self, plan: _Plan, i: int, j: int) -> tuple[str, int | None]:
        """``(kind, node)`` of the product of factors ``i..j`` in the planned order."""
        if i == j:
            return plan.items[i].kind, plan.items[i].node
        s = plan.split[i][j]
        kl, nl = self.emit_product(plan, i, s)
        kr, nr = self.emit_product(plan, s + 1, j)
        rows, cols = plan.sizes[i], plan.sizes[j + 1]
        if kl == "diag" and kr == "diag":
            return "diag", self.add("{0} * {1}", [nl, nr])
        if kl == "diag" and kr == "mat":
            return "mat", self.add("{0} * {1}", [nl, nr])
        if kl == "mat" and kr == "diag":
            return "mat", self.add("{0} * {1}.T", [nl, nr])
        if kl == "ones" and rows == 1 and kr == "mat":
            return "mat", self.add("{0}.sum(axis=0, keepdims=True)", [nr])
        if kr == "ones" and cols == 1 and kl == "mat":
            return "mat", self.add("{0}.sum(axis=1, keepdims=True)", [nl])
        if kl == "ones" and rows == 1 and kr == "diag":
            return "mat", self.add("{0}.T", [nr], atom=True)
        if kr == "ones" and cols == 1 and kl == "diag":
            return "mat", nl
        left = self.materialise(plan, kl, nl, i, s)
        right = self.materialise(plan, kr, nr, s + 1, j)
        return "mat", self.add("{0} @ {1}", [left, right])

    def materialise(self, plan: _Plan, kind: str, node: int | None, i: int, j: int) -> int:
        """The product of factors ``i..j`` as an array node."""
        if kind == "mat":
            assert node is not None
            return node
        if kind == "diag":
            return self.add("_diagflat({0})", [node])
        shape = (plan.items[i].shape[0], plan.items[j].shape[1])
        return self.add(f"_ones({self.shape_code(shape)})")


class _Item(NamedTuple):
    """A factor of a product: ``"mat"`` (an array), ``"diag"`` (its diagonal) or ``"ones"``."""

    kind: str
    node: int | None
    shape: tuple[Any, Any]


class _Plan(NamedTuple):
    """The factors of a product, their estimated sizes and the cheapest split of each range."""

    items: list[_Item]
    sizes: list[float]  # factor k is sizes[k] x sizes[k + 1]
    split: list[list[int]]


def _cheapest_split(kinds: list[str], p: list[float]) -> list[list[int]]:
    """``split[i][j]``: where to split factors ``i..j`` (matrix-chain ordering)."""
    k = len(kinds)
    cost = [[0.0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    kind = [[kinds[i] if i == j else "" for j in range(k)] for i in range(k)]
    for length in range(2, k + 1):
        for i in range(k - length + 1):
            j = i + length - 1
            best = None
            for s in range(i, j):
                step, out = _combine_cost(kind[i][s], kind[s + 1][j], p[i], p[s + 1], p[j + 1])
                total = cost[i][s] + cost[s + 1][j] + step
                if best is None or total < best[0]:
                    best = (total, s, out)
            assert best is not None
            cost[i][j], split[i][j], kind[i][j] = best
    return split


def _estimate(d: Any) -> float:
    """A guess of a dimension's size for ordering products: symbols are large."""
    d = sp.sympify(d)
    return float(d) if d.is_Integer else 1000.0


def _combine_cost(kl: str, kr: str, rows: float, mid: float, cols: float) -> tuple[float, str]:
    """Flops to multiply a ``rows x mid`` by a ``mid x cols`` factor, and the kind made."""
    if kl == "diag" and kr == "diag":
        return mid, "diag"
    if kl == "diag" and kr == "mat":
        return mid * cols, "mat"
    if kl == "mat" and kr == "diag":
        return rows * mid, "mat"
    if kl == "ones" and rows == 1 and kr in ("mat", "diag"):
        return mid * cols, "mat"
    if kr == "ones" and cols == 1 and kl in ("mat", "diag"):
        return rows * mid, "mat"
    return rows * mid * cols, "mat"


def _is_argument(template: str, k: int) -> bool:
    """Whether child ``k`` only appears as a whole argument of a call (no parentheses needed)."""
    ref = re.escape(_ref(k))
    total = len(re.findall(ref, template))
    after = r"(?=[,)\]])"
    bare = len(re.findall(r"(?<=[(\[])" + ref + after + r"|(?<=, )" + ref + after, template))
    return total == bare


def _emit(nodes: list[_MNode], root: int, *, cse: bool) -> tuple[list[str], str]:
    """Lines naming the shared values, and the code of the root (inlining the rest)."""
    uses: dict[int, int] = {}
    seen: set[int] = set()
    stack = [root]
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        node = nodes[i]
        for k, child in enumerate(node.children):
            uses[child] = uses.get(child, 0) + node.template.count(_ref(k))
            stack.append(child)
    named = sorted(i for i in seen if cse and uses.get(i, 0) >= 2 and nodes[i].children)
    names = {i: f"_t{k}" for k, i in enumerate(named)}

    def inline(i: int) -> str:
        node = nodes[i]
        refs = []
        for k, child in enumerate(node.children):
            if child in names:
                refs.append(names[child])
            else:
                code = inline(child)
                bare = nodes[child].atom or _is_argument(node.template, k)
                refs.append(code if bare else f"({code})")
        return node.template.format(*refs)

    lines = [f"{names[i]} = {inline(i)}" for i in named]
    return lines, names.get(root) or inline(root)
