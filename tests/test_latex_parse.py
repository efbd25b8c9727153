"""Specifications for ``symml.parse_latex``: LaTeX maths as students write it, read safely."""

from __future__ import annotations

import re
import time

import hypothesis
import pytest
import sympy as sp
from hypothesis import strategies as st

import symml
from symml import ArgumentError, ParseError, parse_expr, parse_latex, to_latex

x, y, z, t, n, k, a, b, w = sp.symbols("x y z t n k a b w", real=True)
mu, sigma, theta, lam = sp.symbols("mu sigma theta lambda", real=True)
i = sp.Symbol("i", integer=True)
m = sp.Symbol("n", integer=True, positive=True)
xs = sp.IndexedBase("x", real=True)
f = sp.Function("f", real=True)
D = sp.Derivative


# --------------------------------------------------------------------------- the issue
def test_the_issue_examples():
    assert (
        parse_latex(r"\frac{e^{-z}}{\left(1+e^{-z}\right)^2}") == sp.exp(-z) / (1 + sp.exp(-z)) ** 2
    )
    # SymPy's parse_latex reads this as a call of a function x
    assert parse_latex(r"x\left(2\sin x + x\cos x\right)") == x * (2 * sp.sin(x) + x * sp.cos(x))
    # ... and SymPy's newer grammar stops here
    assert parse_latex(r"\cos(x^2) \cdot \frac{d}{dx} x^2") == sp.cos(x**2) * D(x**2, x)


VALID = [
    # fractions, roots, powers
    (r"\frac{1}{2}x", x / 2),
    (r"\dfrac{a}{b} + \tfrac{1}{3}", a / b + sp.Rational(1, 3)),
    (r"\frac12 x", x / 2),
    (r"\sqrt{x^2 + 1}", sp.sqrt(x**2 + 1)),
    (r"\sqrt[3]{x}", x ** sp.Rational(1, 3)),
    (r"x^{10} + x^23", x**10 + 3 * x**2),  # TeX: x^23 is x^2 3
    (r"2^{-1}", sp.Rational(1, 2)),
    (r"3.5x", 3.5 * x),
    # names and subscripts
    (
        r"x_i + x_{ij} + \theta_0 + x_{12}",
        sp.Symbol("x_i", real=True)
        + sp.Symbol("x_ij", real=True)
        + sp.Symbol("theta_0", real=True)
        + sp.Symbol("x_12", real=True),
    ),
    (r"\alpha\beta", sp.Symbol("alpha", real=True) * sp.Symbol("beta", real=True)),
    (r"\lambda + \varepsilon", lam + sp.Symbol("epsilon", real=True)),
    (r"\hat{\mu} - \bar{x}", sp.Symbol("muhat", real=True) - sp.Symbol("xbar", real=True)),
    (r"\mathbf{x} + \boldsymbol{\theta}", x + theta),
    (r"\mathrm{KL}", sp.Symbol("KL", real=True)),
    # brackets and delimiters
    (r"\left(x + 1\right)\left[y - 1\right]", (x + 1) * (y - 1)),
    (r"\bigl(x + 1\bigr)^2", (x + 1) ** 2),
    (r"\{x\}", x),
    (r"|x| + \left|y - 1\right| + \lvert z \rvert", sp.Abs(x) + sp.Abs(y - 1) + sp.Abs(z)),
    (r"||x| - 1|", sp.Abs(sp.Abs(x) - 1)),
    (r"\lfloor x \rfloor + \left\lceil y \right\rceil", sp.floor(x) + sp.ceiling(y)),
    # products
    (r"x \cdot y \times z", x * y * z),
    (r"2x y", 2 * x * y),
    (r"xy", x * y),
    (r"(x + 1)(x - 1)", (x + 1) * (x - 1)),
    (r"a/b/c", a / b / sp.Symbol("c", real=True)),
    (r"-x^2", -(x**2)),
    # Euler's number, logarithms, exponentials
    (r"e^{x} + \mathrm{e}^{y} + \exp(z) + \exp x", sp.exp(x) + sp.exp(y) + sp.exp(z) + sp.exp(x)),
    (r"\log x + \ln(y)", sp.log(x) + sp.log(y)),
    (r"\log_2 x", sp.log(x, 2)),
    (r"\log_{b} x", sp.log(x) / sp.log(b)),
    (r"E + I", sp.Symbol("E", real=True) + sp.Symbol("I", real=True)),
    (r"\pi + \infty", sp.pi + sp.oo),
    # functions without brackets
    (r"\sin x", sp.sin(x)),
    (r"\sin 2x", sp.sin(2 * x)),
    (r"\sin x \cos x", sp.sin(x) * sp.cos(x)),
    (r"\sin^2 x + \cos^2 x", sp.sin(x) ** 2 + sp.cos(x) ** 2),
    (r"\sin x^2", sp.sin(x**2)),
    (r"\tan\theta", sp.tan(theta)),
    (r"\arctan x + \sinh x + \tanh(x)", sp.atan(x) + sp.sinh(x) + sp.tanh(x)),
    (r"\cos{\left(x \right)}", sp.cos(x)),
    (r"\max(x, y) + \min\left(x, 1\right)", sp.Max(x, y) + sp.Min(x, 1)),
    (r"\operatorname{ReLU}(x) + \operatorname{sign}(y)", sp.Max(0, x) + sp.sign(y)),
    (r"\Gamma(x) + \binom{n}{k} + 4!", sp.gamma(x) + sp.binomial(n, k) + 24),
    # calculus
    (r"\frac{d}{dx} x^2", D(x**2, x)),
    (r"\frac{d}{d x}\left(x^2 \sin x\right)", D(x**2 * sp.sin(x), x)),
    (r"\frac{d}{dx} x^2 + 1", D(x**2, x) + 1),
    (r"\frac{d^2}{dx^2} x^3", D(x**3, (x, 2))),
    (r"\frac{d^{2}}{d x^{2}} x^3", D(x**3, (x, 2))),
    (r"\frac{\partial}{\partial a} a b", D(a * b, a)),
    (r"\frac{\partial^2}{\partial x \partial y} x^2 y", D(x**2 * y, y, x)),
    (r"\frac{\partial^{2}}{\partial y\partial x} x y", D(x * y, x, y)),
    (r"\frac{\mathrm{d}}{\mathrm{d}t} t^2", D(t**2, t)),
    (r"\frac{dy}{dx}", D(y, x)),
    (r"\frac{d}{2}", sp.Symbol("d", real=True) / 2),
    (r"\int_0^1 x^2 \,dx", sp.Integral(x**2, (x, 0, 1))),
    (r"\int\limits_{0}^{1} x\, dx", sp.Integral(x, (x, 0, 1))),
    (r"\int x \, \mathrm{d}x", sp.Integral(x, x)),
    (r"\int_0^1\int_0^1 x y \,dx\,dy", sp.Integral(sp.Integral(x * y, (x, 0, 1)), (y, 0, 1))),
    (r"\sum_{i=1}^{n} x_i", sp.Sum(xs[i], (i, 1, m))),
    (r"\sum_{i=1}^n (x_i - \mu)^2 + 1", sp.Sum((xs[i] - mu) ** 2, (i, 1, m)) + 1),
    (r"\frac{1}{n}\sum_{i=1}^{n} x_i", sp.Sum(xs[i], (i, 1, m)) / m),
    (r"\prod_{i=1}^{n} \theta", sp.Product(theta, (i, 1, m))),
    (
        r"\sum_{k=0}^{3} k",
        sp.Sum(sp.Symbol("k", integer=True), (sp.Symbol("k", integer=True), 0, 3)),
    ),
    # matrices
    (r"\begin{pmatrix} 1 & x \\ x & 1 \end{pmatrix}", sp.ImmutableMatrix([[1, x], [x, 1]])),
    (r"\begin{bmatrix} x \\ y \end{bmatrix}", sp.ImmutableMatrix([x, y])),
    (r"\left[\begin{matrix}x & 1\\2 & y\end{matrix}\right]", sp.ImmutableMatrix([[x, 1], [2, y]])),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}^T", sp.ImmutableMatrix([[1, 3], [2, 4]])),
    (r"\det\begin{pmatrix} a & b \\ 0 & 1 \end{pmatrix}", a),
    # equations, comments, spacing
    (r"y = 2x + 1", sp.Eq(y, 2 * x + 1, evaluate=False)),
    ("x^2 % a comment\n + 1", x**2 + 1),
    (r"x \, + \; y \quad - \! z", x + y - z),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[v[0] for v in VALID])
def test_valid_latex_reads_as_the_textbook_means(text, expected):
    assert parse_latex(text) == expected


def test_symbols_are_real_unless_declared():
    assert parse_latex("x").is_real
    assert parse_latex("x", real=False).is_real is None
    p = sp.Symbol("p", positive=True)
    assert parse_latex(r"\sqrt{p^2}", symbols=[p]) == p
    assert parse_latex(r"\sqrt{p^2}", symbols={"p": p}) == p


def test_declared_functions_are_called_others_multiply():
    notes: list[str] = []
    assert parse_latex("f(x)", notes=notes) == sp.Symbol("f", real=True) * x
    assert notes == [
        "read f(...) as multiplication; declare functions=['f'] to read it as a function"
    ]
    assert parse_latex("f(x) + g(x, y)", functions=["f", "g"]) == f(x) + sp.Function(
        "g", real=True
    )(x, y)
    h = sp.Function("h", positive=True)
    assert parse_latex("h(x)", functions={"h": h}) == h(x)
    assert parse_latex(r"f'(x)", functions=["f"]) == D(f(x), x)
    assert parse_latex(r"f''(t)", functions="f") == D(f(t), (t, 2))


def test_sigma_is_the_sigmoid_where_declared():
    assert parse_latex(r"\sigma(z)", functions=["sigma"]) == 1 / (1 + sp.exp(-z))
    assert parse_latex(r"\sigma(z)", functions={"sigma": "sigmoid"}) == 1 / (1 + sp.exp(-z))
    assert parse_latex(r"\sigma(z)") == sigma * z  # undeclared: a product, with a note
    assert parse_latex(r"\sigma^2", functions=["sigma"]) == sigma**2  # bare: the symbol


def test_transposes_of_declared_matrices():
    X = sp.MatrixSymbol("X", 5, 2)
    yv = sp.MatrixSymbol("y", 5, 1)
    beta = sp.MatrixSymbol("beta", 2, 1)
    got = parse_latex(r"\left(X^\top X\right)^{-1} X^T y", symbols=[X, yv])
    assert got == (X.T * X).I * X.T * yv
    rss = parse_latex(r"(y - X\boldsymbol\beta)^{\top}(y - X\beta)", symbols=[X, yv, beta])
    assert rss == (yv - X * beta).T * (yv - X * beta)
    assert parse_latex(r"\operatorname{tr}(X^\intercal X)", symbols=[X]) == sp.Trace(X.T * X)
    notes: list[str] = []
    assert parse_latex(r"x^\top", notes=notes) == x
    assert "transpose of a scalar" in notes[0]
    assert parse_latex(r"x^T", notes=notes) == x ** sp.Symbol("T", real=True)


def test_ambiguous_readings_are_reported_as_notes():
    notes: list[str] = []
    assert parse_latex(r"\sin^{-1} x", notes=notes) == sp.asin(x)
    assert parse_latex(r"\log 2x", notes=notes) == sp.log(2 * x)
    assert notes == [
        r"read \sin^{-1} as the inverse function",
        r"read \log of the product after it (up to a bracket)",
    ]


def test_a_symbol_named_e_can_be_declared():
    e = sp.Symbol("e", real=True)
    assert parse_latex("e^2") == sp.exp(2)
    assert parse_latex("e^2", symbols={"e": e}) == e**2


def test_parse_latex_and_parse_expr_agree():
    pairs = [
        (r"\frac{x^2 e^{-x}}{1 + y}", "x^2*exp(-x)/(1 + y)"),
        (r"\sqrt{x}\sin(x y)", "sqrt(x)*sin(x*y)"),
        (r"\frac{d}{dx}\sin(x^2)", "diff(sin(x^2), x)"),
    ]
    for latex, text in pairs:
        assert parse_latex(latex) == parse_expr(text)


# --------------------------------------------------------------------------- errors
ERRORS = [
    (r"\frac{1}{", "never closed", 8),
    (r"x + }", "closes nothing", 4),
    (r"\left( x + 1", r"expected \\right", 12),
    (r"\left( x \right]", r"closed by", 15),
    (r"x +", "ends too early", 3),
    (r"\sin", "has no argument", 4),
    (r"\foo x", r"command '\\foo' is not read", 0),
    (r"\nabla f", "no formula here", 0),
    (r"x_{i+1}", "subscript holds more", 4),
    (r"\sum_i x_i", "needs both limits", 0),
    (r"\int_0^1 x^2", "without its dx", 9),
    (r"a = b = c", "more than one '='", 6),
    (r"x < y", "does not continue", 2),
    (r"x \approx y", r"approx.*only equalities", 2),
    (r"\frac{d}{dx}", "nothing to differentiate", 12),
    (r"\frac{d^3}{dx^2} x", "order 3 on top differs", 0),
    (r"x'", "prime", 1),
    (r"a & b", "does not continue", 2),
    ("α + 1", "not read", 0),
    (r"\text{hello}", "holds words", 0),
    (r"\begin{cases} x \end{cases}", "not read inside a formula", 0),
]


@pytest.mark.parametrize(("text", "match", "position"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_quote_the_latex_and_point_at_the_position(text, match, position):
    with pytest.raises(ParseError, match=match) as info:
        parse_latex(text)
    message = str(info.value)
    assert message.startswith(f"latex={text!r}")
    assert f"at position {position} " in message
    _first, line, caret = message.split("\n")
    assert line.strip() == text.strip()
    assert caret.index("^") - 4 == position  # the caret sits under the offending character


def test_builder_errors_quote_the_latex_fragment():
    with pytest.raises(ParseError, match=r"too large"):
        parse_latex(r"9^{9^{9}}")
    with pytest.raises(ParseError, match=r"the sides of '=' have different shapes|shapes"):
        parse_latex(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix} = x")


def test_bad_arguments():
    with pytest.raises(ParseError, match="pass the LaTeX as text"):
        parse_latex(42)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="symbols"):
        parse_latex("x", symbols="x")
    with pytest.raises(ArgumentError, match="functions"):
        parse_latex("x", functions={"s": "system"})


HOSTILE = [
    r"\input{/etc/passwd}",
    r"\include{secret}",
    r"\def\x{\x}\x",
    r"\immediate\write18{rm -rf /}",
    r"\write18{ls}",
    r"\csname input\endcsname{/etc/passwd}",
    r"\catcode`\^^5c=0",
    r"^^5cinput{/etc/passwd}",
    r"\newcommand{\x}{1} \x",
    r"\expandafter\x\y",
    r"\makeatletter \@tempa",
    r"\openout1=file",
    r"#1",
    "$x$",
    "{" * 5000 + "x" + "}" * 5000,
    "(" * 5000 + "x" + ")" * 5000,
    r"\left(" * 500 + "x" + r"\right)" * 500,
    r"\frac{" * 300 + "1" + "}{2}" * 300,
    "x^{" * 200 + "2" + "}" * 200,
    r"\sqrt{" * 200 + "x" + "}" * 200,
    "x+" * 5000 + "x",
    "1" * 25_000,
    r"2^{2^{2^{2^{2^{2}}}}}",
    r"\frac{d^{50}}{dx^{50}} x",
    r"9^{9^{9^{9}}}",
    r"\begin{pmatrix}" + " & ".join(["1"] * 200) + r"\end{pmatrix}",
    "}" + "x",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[h[:30] for h in HOSTILE])
def test_hostile_latex_is_refused_within_a_second(text):
    start = time.perf_counter()
    with pytest.raises(ParseError):
        parse_latex(text)
    assert time.perf_counter() - start < 1.0


def test_tex_programming_is_named_as_such():
    for text in (r"\input{x}", r"\def\a{b}", r"\write18{ls}", r"\csname x\endcsname"):
        with pytest.raises(ParseError, match=r"is not allowed: .* is TeX programming"):
            parse_latex(text)


# --------------------------------------------------------------------------- round trips
def _library_results() -> list[tuple[str, sp.Basic]]:
    """Results the library derives (gradients, Hessians, Taylor polynomials, MLE estimators)."""
    fs = {
        "quadratic": x**2 * y + sp.exp(x * y),
        "rosenbrock": (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        "logistic-loss": sp.log(1 + sp.exp(-w * x - b)),
        "trig": sp.sin(x) * sp.cos(y),
        "gaussian-bump": x * sp.exp(-(x**2) - y**2),
        "norm": sp.sqrt(x**2 + y**2 + 1),
        "sigmoid": 1 / (1 + sp.exp(-x * y)),
        "ratio": sp.atan(x / y),
        "tanh": sp.tanh(x * y) + x**3,
        "log": sp.log(x**2 + 1) * y,
    }
    out: list[tuple[str, sp.Basic]] = []
    for name, fx in fs.items():
        out.append((f"gradient {name}", symml.gradient(fx, [x, y]).result))
        out.append((f"hessian {name}", symml.hessian(fx, [x, y]).result))
    out.append(
        ("taylor exp sin", symml.taylor(sp.exp(x) * sp.sin(y), [x, y], at=[0, 0], order=3).result)
    )
    out.append(("taylor log", symml.taylor(sp.log(1 + x), [x], at=[0], order=4).result))
    for model in (
        "normal",
        "bernoulli",
        "poisson",
        "exponential",
        "geometric",
        "lognormal",
        "rayleigh",
        "pareto",
        "weibull_known_shape",
        "gamma_known_shape",
        "negative_binomial_known_r",
        "power",
    ):
        est = symml.mle_catalog(model)
        for param, value in (est.estimators or {}).items():
            out.append((f"mle {model} {param}", value))
        if est.fisher_information is not None:
            out.append((f"fisher {model}", est.fisher_information))
    return out


RESULTS = _library_results()


def _declarations(e: sp.Basic) -> dict[str, sp.Basic]:
    found: dict[str, sp.Basic] = {s.name: s for s in e.atoms(sp.Symbol)}
    found.update({str(base.label): base for base in e.atoms(sp.IndexedBase)})
    return found


@pytest.mark.parametrize(("what", "result"), RESULTS, ids=[r[0] for r in RESULTS])
def test_latex_of_library_results_round_trips(what, result):
    back = parse_latex(to_latex(result), symbols=_declarations(result))
    assert back == result or bool(symml.check(back, result)), (what, to_latex(result))


_atoms = st.sampled_from([x, y, x + 1, 2 * y, sp.Rational(3, 2), -x])
_unary = st.sampled_from(
    [
        sp.sin,
        sp.cos,
        sp.exp,
        sp.tanh,
        sp.atan,
        lambda u: sp.log(u**2 + 1),
        lambda u: sp.sqrt(u**2 + 1),
        sp.Abs,
        lambda u: u**2,
    ]
)
_exprs = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.tuples(_unary, inner).map(lambda p: p[0](p[1])),
        st.tuples(inner, inner).map(lambda p: p[0] + p[1]),
        st.tuples(inner, inner).map(lambda p: p[0] * p[1]),
        st.tuples(inner, inner).map(lambda p: p[0] / (p[1] ** 2 + 1)),
        st.tuples(inner, st.integers(2, 4)).map(lambda p: p[0] ** p[1]),
    ),
    max_leaves=6,
)


@hypothesis.settings(max_examples=60, deadline=None, derandomize=True)
@hypothesis.given(_exprs)
def test_latex_of_random_expressions_and_their_derivatives_round_trips(e):
    for value in (e, sp.diff(e, x)):
        back = parse_latex(to_latex(value))
        assert back == value or bool(symml.check(back, value)), to_latex(value)


def test_round_trip_of_a_derivative_and_an_integral_left_unevaluated():
    for value in (
        D(x**2 * sp.sin(x), x),
        D(x * y, x, y),
        sp.Integral(x**2, (x, 0, 1)),
        sp.Sum(xs[i] ** 2, (i, 1, m)),
    ):
        assert parse_latex(to_latex(value), symbols=_declarations(value)) == value


def test_the_documentation_lists_what_is_read():
    doc = symml.parse_latex.__doc__ or ""
    assert "symbols" in doc and "functions" in doc and "notes" in doc
    assert re.search(r"TeX programming", doc)


_FRAGMENTS = [
    *r"\frac|{|}|x|y|2|^|_|(|)|\left(|\right)|\sin|\sum|\int|d|\partial|+|-|\cdot|".split("|"),
    *r"&|\\|=|\sqrt|[|]|\begin{pmatrix}|\end{pmatrix}|\mathrm{d}|'|!|\log|.|,|\max|".split("|"),
    *r"\top|T|\hat|\mathbf|e|\pi|\infty|\prod|\binom|\det|\left|\right|| |i|n|".split("|"),
    *r"\text{a}|\lfloor|\rfloor|\{|\}|\Gamma|\sigma|\operatorname{tr}|\input|#|%|$".split("|"),
]


@hypothesis.settings(max_examples=150, deadline=None, derandomize=True)
@hypothesis.given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=16).map("".join))
def test_any_latex_gives_a_sympy_object_or_a_parse_error(text):
    start = time.perf_counter()
    try:
        value = parse_latex(text, functions=["f", "sigma"])
    except ParseError as exc:
        assert str(exc).startswith("latex=")
    else:
        assert isinstance(value, sp.Basic)
    assert time.perf_counter() - start < 5.0  # generous: parsing is milliseconds
