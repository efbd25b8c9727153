"""Golden LaTeX and text renderings."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import (
    DiagMatrix,
    DiagonalMatrix,
    DiagonalOf,
    diagonalize_vector,
)

import symml
from symml import Derivation, Notes, Step, Verdict, expit, to_latex, to_text

x, y = sp.symbols("x y", real=True)
X = sp.MatrixSymbol("X", 3, 2)
w = sp.MatrixSymbol("w", 2, 1)


def display(obj, **kwargs):
    """The display block ``Notes.add`` writes for ``obj`` (no heading, no text)."""
    notes = Notes("T")
    notes.add(obj, **kwargs)
    return notes.block_tex(0)


def markdown_display(obj):
    """The body of the ``$$`` block ``Notes.to_markdown`` writes for ``obj``."""
    notes = Notes("T")
    notes.add(obj)
    return re.search(r"\$\$\n(.*?)\n\$\$", notes.to_markdown(), flags=re.DOTALL).group(1)


def sentence(verdict):
    """The sentence ``Notes.add`` writes after a verdict (its notes left out)."""
    return display(verdict).rstrip("\n").splitlines()[-1].split(r" \emph{Notes:}")[0]


GOLDEN = [
    (x**2, "x^{2}"),
    (sp.Derivative(sp.sin(x**2), x), r"\frac{d}{d x} \sin{\left(x^{2} \right)}"),
    (sp.Matrix([[1, x], [y, 2]]), r"\left[\begin{matrix}1 & x\\y & 2\end{matrix}\right]"),
    (X.T * X, r"X^{\top} X"),
    (sp.Transpose(X * w), r"\left(X w\right)^{\top}"),
    ((X * w).T, r"w^{\top} X^{\top}"),
    (sp.Eq(x, y**2), r"x = y^{2}"),
    (sp.Rational(1, 3), r"\frac{1}{3}"),
    (3, "3"),
]


@pytest.mark.parametrize(("obj", "expected"), GOLDEN, ids=str)
def test_to_latex_golden(obj, expected):
    assert to_latex(obj) == expected


def test_derivation_latex_golden():
    g = symml.gradient(x * sp.exp(y), [x, y])
    assert g.latex() == (
        "\\begin{align*}\n"
        r"\frac{\partial}{\partial x} x e^{y} &= e^{y} \frac{\partial}{\partial x} x "
        r"&& \text{constant multiple rule} \\"
        "\n"
        r"&= e^{y} && \text{power rule} \\"
        "\n"
        r"\frac{\partial}{\partial y} x e^{y} &= x \frac{\partial}{\partial y} e^{y} "
        r"&& \text{constant multiple rule} \\"
        "\n"
        r"&= x e^{y} && \text{exponential rule} \\"
        "\n"
        r"\nabla_{x, y} f &= \left[\begin{matrix}e^{y}\\x e^{y}\end{matrix}\right] "
        r"&& \text{collect the partial derivatives}"
        "\n"
        "\\end{align*}"
    )


def test_single_variable_derivations_use_d_not_partial():
    g = symml.gradient(x**3, [x])
    assert r"\frac{d}{d x} x^{3} &= 3 x^{2} && \text{power rule}" in g.latex()


def test_aligned_environment_and_errors():
    d = Derivation(2 * x, [Step(2 * x, "power rule", lhs=sp.Derivative(x**2, x))])
    assert d.latex(environment="aligned").startswith("\\begin{aligned}")
    with pytest.raises(symml.ArgumentError, match="environment='equation'"):
        d.latex(environment="equation")


def test_result_row_is_added_when_steps_do_not_end_on_it():
    d = Derivation(x + 1, [Step(x, "start", lhs="a")])
    assert d.latex().splitlines()[-2] == r"\text{derivation} &= x + 1"


def test_text_in_justifications_is_escaped():
    d = Derivation(x, [Step(x, "a_b & 50% #1 {x} ~ ^")])
    assert r"\text{a\_b \& 50\% \#1 \{x\} \textasciitilde{} \textasciicircum{}}" in d.latex()


def test_verdict_latex():
    v = Verdict(False, "numeric", counterexample={x: 2.0}, claimed_value=1.0, expected_value=-1.0)
    assert to_latex(v) == (
        r"\text{not equivalent (numeric): at } x = 2.0\text{, claimed } 1.0"
        r"\text{ but expected } -1.0"
    )
    assert to_latex(Verdict(True, "symbolic")) == r"\text{equivalent (symbolic)}"


def test_to_latex_rejects_text_and_junk():
    with pytest.raises(symml.ArgumentError, match="not text"):
        to_latex("x**2")
    with pytest.raises(symml.ArgumentError, match="Derivation, Verdict or SymPy"):
        to_latex(object())


def test_to_text_of_a_gradient():
    text = to_text(symml.gradient(x * sp.exp(y), [x, y]))
    assert text.splitlines() == [
        "gradient with respect to x, y (assuming x, y real)",
        "  d/dx[x*exp(y)] = exp(y)*d/dx[x]    [constant multiple rule]",
        "                 = exp(y)    [power rule]",
        "  d/dy[x*exp(y)] = x*d/dy[exp(y)]    [constant multiple rule]",
        "                 = x*exp(y)    [exponential rule]",
        "  nabla_{x, y} f = [[exp(y)], [x*exp(y)]]    [collect the partial derivatives]",
        "result:",
        "  [[exp(y)], [x*exp(y)]]",
    ]


def test_notes_document(tmp_path):
    notes = Notes("My notes", author="A. Student")
    notes.add(symml.gradient(x**2 * y, [x, y]), heading="Gradient", text="See below.")
    notes.add(sp.Eq(x, 2), heading="An equation")
    notes.add(symml.check(x, -x))
    tex = notes.to_tex()
    assert tex.startswith("\\documentclass[11pt]{article}")
    assert "\\usepackage{amsmath,amssymb}" in tex
    # the gradient, and the verdict's claimed and expected sides
    assert tex.count("\\begin{align*}") == 2 and tex.rstrip().endswith("\\end{document}")
    md = notes.to_markdown()
    assert md.startswith("# My notes\n\n*A. Student*\n\n## Gradient\n\nSee below.")
    assert md.count("$$") == 6
    assert notes.write(tmp_path / "n.tex").read_text() == tex
    assert notes.write(tmp_path / "n.md").read_text() == md
    assert len(notes) == 3
    with pytest.raises(symml.ArgumentError, match=r"\.tex, \.md or \.pdf"):
        notes.write(tmp_path / "n.docx")
    with pytest.raises(symml.ArgumentError, match="title"):
        Notes("  ")
    with pytest.raises(symml.ArgumentError):
        notes.add(object())


# ---------------------------------------------------------------------------
# The printer's conventions (issue 7): one golden table per family
# ---------------------------------------------------------------------------
A, B = sp.MatrixSymbol("A", 3, 3), sp.MatrixSymbol("B", 3, 3)
v = sp.MatrixSymbol("v", 3, 1)
beta = sp.MatrixSymbol("beta", 3, 1)
t = sp.Symbol("t", real=True)
i, j, n, m = sp.symbols("i j n m", integer=True, positive=True)
d_ = sp.Dummy("d")

MATRIX_GOLDEN = [
    (sp.Trace(A), r"\operatorname{tr}\left(A\right)"),
    (sp.Trace(A.T * B) ** 2, r"\operatorname{tr}\left(A^{\top} B\right)^{2}"),
    (sp.Determinant(A), r"\det\left(A\right)"),
    (sp.log(sp.Determinant(A)), r"\log{\left(\det\left(A\right) \right)}"),
    (sp.Determinant(A * B), r"\det\left(A B\right)"),
    (sp.HadamardProduct(A, B), r"A \odot B"),
    (sp.HadamardProduct(A + B, B.T), r"\left(A + B\right) \odot B^{\top}"),
    (sp.HadamardPower(A, 2), r"A^{\odot 2}"),
    (sp.Inverse(A), r"A^{-1}"),
    (sp.Inverse(A.T * A), r"\left(A^{\top} A\right)^{-1}"),
    (DiagMatrix(v), r"\operatorname{diag}\left(v\right)"),
    (diagonalize_vector(v), r"\operatorname{diag}\left(v\right)"),
    (DiagonalOf(A), r"\operatorname{diag}\left(A\right)"),
    (DiagonalMatrix(A), r"\operatorname{Diag}\left(A\right)"),
    (sp.OneMatrix(3, 1), r"\mathbf{1}"),
    (sp.OneMatrix(3, 1).T * v, r"\mathbf{1}^{\top} v"),
    (sp.ZeroMatrix(3, 1), r"\mathbf{0}"),
    (sp.Identity(3), "I"),
    (A * v, "A v"),
    ((A * v).applyfunc(expit), r"\sigma\left(A v\right)"),
    ((A * v).applyfunc(sp.exp), r"\exp\left(A v\right)"),
    (
        ElementwiseApplyFunction(sp.Lambda(d_, d_**2 + 1), A),
        r"{\left( d \mapsto d^{2} + 1 \right)}_{\odot}\left(A\right)",
    ),
    (beta.T * A, r"\beta^{\top} A"),
]

SCALAR_GOLDEN = [
    (expit(t), r"\sigma\left(t\right)"),
    (expit(t) * expit(-t), r"\sigma\left(- t\right) \sigma\left(t\right)"),
    (expit(t) ** 2, r"\sigma\left(t\right)^{2}"),
    (sp.log(expit(t)), r"\log{\left(\sigma\left(t\right) \right)}"),
    (sp.Sum(sp.IndexedBase("x")[i], (i, 1, n)), r"\sum_{i=1}^{n} {x}_{i}"),
    (
        sp.Sum(sp.IndexedBase("A")[i, j], (i, 1, n), (j, 1, m)),
        r"\sum_{j=1}^{m} \sum_{i=1}^{n} {A}_{i,j}",
    ),
    (sp.Sum(t**i, (i, 0, sp.oo)), r"\sum_{i=0}^{\infty} t^{i}"),
    (sp.Sum(t + i, (i, 1, n)), r"\sum_{i=1}^{n} \left(i + t\right)"),
]

BOLD_GOLDEN = [
    (A.T * v, r"\mathbf{A}^{\top} \mathbf{v}"),
    (beta.T * A, r"\boldsymbol{\beta}^{\top} \mathbf{A}"),
    (sp.MatrixSymbol("w_1", 3, 1), r"\mathbf{w}_{1}"),
    (sp.Identity(3), r"\mathbf{I}"),
    (sp.Trace(A), r"\operatorname{tr}\left(\mathbf{A}\right)"),
    (t * A, r"t \mathbf{A}"),  # scalars stay plain
]


@pytest.mark.parametrize(("obj", "expected"), MATRIX_GOLDEN + SCALAR_GOLDEN, ids=str)
def test_printer_golden(obj, expected):
    assert to_latex(obj) == expected


@pytest.mark.parametrize(("obj", "expected"), BOLD_GOLDEN, ids=str)
def test_bold_vectors_and_matrices(obj, expected):
    assert to_latex(obj, bold=True) == expected


def test_derivations_print_with_the_same_conventions():
    g = symml.gradient(expit(x * y), [x, y])
    assert r"\sigma\left(x y\right)" in g.latex()
    assert r"\operatorname{expit}" not in g.latex()


# -- breaking long lines -------------------------------------------------------
def _result_only(expr, lhs="p", why=""):
    return Derivation(expr, [Step(expr, why, lhs=lhs)])


def test_a_long_sum_breaks_at_plus_and_minus_and_stays_equal():
    long = sp.expand((x - y + 1) ** 6)
    tex = _result_only(long).latex(width=60)
    lines = tex.splitlines()[1:-1]
    assert len(lines) >= 3
    assert lines[0].startswith("p &= ")
    assert all(line.startswith(r"&\quad + ") or line.startswith(r"&\quad - ") for line in lines[1:])
    # a wider line needs fewer lines, and the pieces put back together are the formula
    assert len(_result_only(long).latex(width=120).splitlines()) - 2 < len(lines)
    body = " ".join(line.rstrip(" \\").split("&", 1)[1] for line in lines)
    body = body.replace(r"\quad ", "").replace("= ", "", 1)
    assert " ".join(body.split()) == to_latex(long)


def test_no_breaking_when_width_is_none_or_formula_fits():
    long = sp.expand((x - y + 1) ** 6)
    assert len(_result_only(long).latex(width=None).splitlines()) == 3
    assert len(_result_only(x + y).latex().splitlines()) == 3


def test_a_long_product_breaks_between_factors():
    prod = sp.Mul(*[(x + k) for k in range(1, 13)], evaluate=False)
    tex = _result_only(prod).latex(width=40)
    assert r"&\quad \cdot \left(x + " in tex


def test_a_long_left_side_gets_its_own_line():
    f = sp.expand((x + y + 1) ** 2)
    d = Derivation(f, [Step(f.diff(x), "rule", lhs=sp.Derivative(f, x))])
    first = d.latex().splitlines()[1]
    assert first.startswith(r"& \rlap{$\displaystyle \frac{\partial}{\partial x} \left(x^{2}")
    assert "&=" not in first


def test_a_derivative_of_a_long_source_is_written_with_f():
    f = sp.expand((x + y + 1) ** 5)
    lines = symml.gradient(f, [x, y]).latex().splitlines()
    assert lines[1].startswith(r"\frac{\partial}{\partial x} f &= ")
    assert any(line.startswith(r"\frac{\partial}{\partial y} f &= ") for line in lines)


def test_long_justifications_wrap_in_documents_not_in_notebooks():
    why = "a very long justification that goes on and on about the rule used here"
    wide = sp.expand((x + y) ** 5)
    d = Derivation(wide, [Step(wide, why, lhs="q")])
    assert r"\begin{array}[t]{@{}l@{}}" in d.latex()
    assert r"\begin{array}" not in d.latex(environment="aligned")


def test_a_too_wide_matrix_is_written_entry_by_entry():
    z = sp.Symbol("z", real=True)
    H = symml.hessian(sp.sqrt(x**2 + y**2 + 1) * sp.exp(-z), [x, y, z])
    tex = H.latex()
    last = tex.splitlines()[-2]
    assert last.startswith(r"\left(\nabla^2 f\right)_{3,3} &= ")
    # symmetric entries are named once
    assert tex.count(r"\left(\nabla^2 f\right)_{1,2} &=") == 1
    assert tex.count(r"\left(\nabla^2 f\right)_{2,1}") == 0


# -- numbers and labels ----------------------------------------------------------
def test_numbered_and_labelled_derivation():
    d = symml.gradient(x**2 * y, [x, y])
    tex = d.latex(label="eq:grad")
    lines = tex.splitlines()
    assert lines[0] == r"\begin{align}" and lines[-1] == r"\end{align}"
    assert lines[-2].endswith(r"\label{eq:grad}")
    assert all(line.endswith(r"\notag \\") for line in lines[1:-2])
    assert d.latex(number=True).splitlines()[-2].endswith("collect the partial derivatives}")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"label": "eq 1"}, "label='eq 1'"),
        ({"label": "a}b"}, "label="),
        ({"number": True, "environment": "aligned"}, "cannot be numbered"),
        ({"width": 5}, "width=5"),
        ({"width": "wide"}, "width='wide'"),
    ],
)
def test_numbering_and_width_errors(kwargs, match):
    with pytest.raises(symml.ArgumentError, match=match):
        symml.gradient(x**2, [x]).latex(**kwargs)


# -- display blocks and verdicts ---------------------------------------------------
DISPLAY_GOLDEN = [
    (x**2 + 1, {}, "\\begin{equation*}\nx^{2} + 1\n\\end{equation*}"),
    (x**2, {"label": "eq:sq"}, "\\begin{equation}\nx^{2} \\label{eq:sq}\n\\end{equation}"),
    (sp.Eq(x, 2), {}, "\\begin{equation*}\nx = 2\n\\end{equation*}"),
    (
        {x: 1.5, y: sp.Rational(1, 3)},
        {},
        "\\begin{align*}\nx &= 1.5 \\\\\ny &= \\frac{1}{3}\n\\end{align*}",
    ),
]


@pytest.mark.parametrize(("obj", "kwargs", "expected"), DISPLAY_GOLDEN, ids=str)
def test_display_golden(obj, kwargs, expected):
    assert display(obj, **kwargs) == expected


def test_markdown_display_of_a_formula_is_the_bare_formula():
    assert markdown_display(x**2 + 1) == "x^{2} + 1"


def test_display_latex_of_objects_with_repr_latex():
    class Fit:
        def _repr_latex_(self):
            return r"$\hat{\mu} = 1.5$"

    class Table:
        def _repr_latex_(self):
            return "\\begin{align*}\na &= 1\n\\end{align*}"

    assert display(Fit()) == "\\begin{equation*}\n\\hat{\\mu} = 1.5\n\\end{equation*}"
    assert display(Table()) == "\\begin{align*}\na &= 1\n\\end{align*}"
    with pytest.raises(symml.ArgumentError, match="not text"):
        display("x")


def test_steps_verdict_latex_marks_the_bad_step():
    chain = [(x + 1) ** 2, x**2 + 2 * x + 1, x**2 + x + 1, x * (x + 1) + 1]
    sv = symml.check_steps(chain)
    assert to_latex(sv).splitlines() == [
        r"\begin{align*}",
        r"& \left(x + 1\right)^{2} && \text{step 0} \\",
        r"&= x^{2} + 2 x + 1 && \text{step 1: follows (symbolic)} \\",
        r"&\neq x^{2} + x + 1 && \text{step 2: does not follow from step 1} \\",
        r"&= x \left(x + 1\right) + 1 && \text{step 3: follows (symbolic)}",
        r"\end{align*}",
    ]
    assert sentence(sv).startswith("Step 2 does not follow from step 1: at $x = ")


@pytest.mark.parametrize(
    ("verdict", "expected"),
    [
        (Verdict(True, "symbolic"), "Equivalent (symbolic)."),
        (
            Verdict(
                False, "numeric", counterexample={x: 2.0}, claimed_value=1.0, expected_value=-1.0
            ),
            "Not equivalent (numeric): at $x = 2.0$ the claimed side is $1.0$ "
            "but the expected side is $-1.0$.",
        ),
        (
            Verdict(
                False,
                "numeric",
                counterexample={x: 0.5, y: -1.0},
                claimed_value=complex(1, 2),
                expected_value=0,
                entry=(1, 0),
            ),
            "Not equivalent (numeric): at $x = 0.5$, $y = -1.0$ in entry (1, 0) the claimed "
            "side is $1.0 + 2.0 i$ but the expected side is $0$.",
        ),
        (
            Verdict(False, "inconclusive", notes=("too few points",)),
            "Inconclusive: too few points.",
        ),
    ],
)
def test_verdict_sentence_table(verdict, expected):
    assert sentence(verdict) == expected


class _DictFit:
    """Duck-typed like symml's MLEFit."""

    def __init__(self):
        self.params = {"mu": 1.24, "sigma": 0.5003998401}
        self.stderr = {"mu": 0.22383, "sigma": 0.15824}

    def conf_int(self, level=0.95):
        return {"mu": (0.8014, 1.6786), "sigma": (0.19025, 0.81055)}


class _ArrayFit:
    """Duck-typed like symml's LeastSquaresFit (array params, conf_int(alpha))."""

    params = np.array([1.03, 1.98e-7])
    stderr = np.array([0.0825, 0.0441])
    names = None

    def conf_int(self, alpha=0.05):
        return np.array([[0.68, 1.38], [1.79, 2.17]])


@pytest.mark.parametrize(
    ("fit", "expected"),
    [
        (
            _DictFit(),
            [
                r"\hat{\mu} &= 1.24 && \text{standard error 0.2238, 95\% interval [0.8014, 1.679]}",
                r"\hat{\sigma} &= 0.5004 && "
                r"\text{standard error 0.1582, 95\% interval [0.1903, 0.8105]}",
            ],
        ),
        (
            _ArrayFit(),
            [
                r"\hat{\theta}_{0} &= 1.03 && "
                r"\text{standard error 0.0825, 95\% interval [0.68, 1.38]}",
                r"\hat{\theta}_{1} &= 1.98 \cdot 10^{-7} && "
                r"\text{standard error 0.0441, 95\% interval [1.79, 2.17]}",
            ],
        ),
    ],
)
def test_fits_are_tables_of_estimates(fit, expected):
    lines = display(fit).splitlines()
    assert [line.removesuffix(" \\\\") for line in lines[1:-1]] == expected


def test_checked_chain_is_shown_as_written():
    x_ = sp.Symbol("x", real=True)
    chain = [
        sp.Derivative(x_ * sp.exp(2 * x_), x_),
        sp.exp(2 * x_) + x_ * sp.Derivative(sp.exp(2 * x_), x_),
        sp.exp(2 * x_) + x_ * sp.exp(2 * x_),
    ]
    tex = to_latex(symml.check_steps(chain))
    lines = tex.splitlines()
    assert lines[1] == r"& \frac{d}{d x} x e^{2 x} && \text{step 0} \\"
    assert r"x \frac{d}{d x} e^{2 x}" in lines[2]  # the user's unevaluated derivative
    assert lines[3].startswith(r"&\neq x e^{2 x} + e^{2 x}")


def test_integers_past_the_digit_limit_print_shortened():
    # Python refuses str() of integers over 4300 digits; the printers show the ends and the size.
    n = sp.Integer(10) ** 5000 + 1
    assert symml.to_latex(n) == r"100000000000000\ldots{}00001\,(\text{5001 digits})"
    assert symml.to_text(n) == "100000000000000...00001 (5001 digits)"
    assert symml.to_latex(n * sp.Symbol("x")).endswith(r"(\text{5001 digits}) x")
