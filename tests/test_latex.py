"""Golden LaTeX and text renderings."""

from __future__ import annotations

import pytest
import sympy as sp

import symml
from symml import Derivation, Notes, Step, Verdict, to_latex, to_text
from symml._latex import escape_text

x, y = sp.symbols("x y", real=True)
X = sp.MatrixSymbol("X", 3, 2)
w = sp.MatrixSymbol("w", 2, 1)

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
    assert escape_text("a_b & 50% #1 {x} ~ ^") == (
        r"a\_b \& 50\% \#1 \{x\} \textasciitilde{} \textasciicircum{}"
    )
    d = Derivation(x, [Step(x, "rule_1 & more")])
    assert r"\text{rule\_1 \& more}" in d.latex()


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
    assert tex.count("\\begin{align*}") == 1 and tex.rstrip().endswith("\\end{document}")
    md = notes.to_markdown()
    assert md.startswith("# My notes\n\n*A. Student*\n\n## Gradient\n\nSee below.")
    assert md.count("$$") == 6
    assert notes.write(tmp_path / "n.tex").read_text() == tex
    assert notes.write(tmp_path / "n.md").read_text() == md
    assert len(notes) == 3
    with pytest.raises(symml.ArgumentError, match=r"\.tex or \.md"):
        notes.write(tmp_path / "n.docx")
    with pytest.raises(symml.ArgumentError, match="title"):
        Notes("  ")
    with pytest.raises(symml.ArgumentError):
        notes.add(object())
