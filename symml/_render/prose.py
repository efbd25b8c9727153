"""Prose for LaTeX: titles, authors, headings and paragraphs, with no way to run TeX.

Text is escaped, so ``%``, ``_``, ``&`` or ``\\`` print as written; ``$...$``
is inline math, and common Unicode symbols (Greek letters, ``∇``, ``≤``,
``→``, ...) become their LaTeX commands.

Math may use only an allowlist of LaTeX commands (what SymPy's and symml's
printers write: Greek letters, ``\\frac``, ``\\sqrt``, ``\\left(``, ``\\sum``,
``\\mathbf``, ``\\operatorname``, ... and the matrix environments). Any other
command -- ``\\input``, ``\\pdfobj``, ``\\csname``, ``\\catcode``, ``\\def`` --
is printed, not run (``\\backslash\\mathrm{input}``); so are ``^^5c``-style
character codes, braces that do not pair up, ``&`` and ``\\\\`` outside a
matrix, and ``#`` or ``%``.

Examples
--------
>>> prose_latex("50% of $x_1^2 + \\\\alpha$")
'50\\\\% of $x_1^2 + \\\\alpha$'
>>> prose_latex("$\\\\input{/etc/passwd}$")
'$\\\\backslash\\\\mathrm{input}{/etc/passwd}$'
"""

from __future__ import annotations

import re

from .printer import escape_text

__all__ = ["prose_latex"]

_UNICODE_MATH = {
    "∇": r"\nabla",
    "∂": r"\partial",
    "≤": r"\leq",
    "≥": r"\geq",
    "≠": r"\neq",
    "≈": r"\approx",
    "→": r"\to",
    "↦": r"\mapsto",
    "×": r"\times",
    "·": r"\cdot",
    "⊙": r"\odot",
    "∞": r"\infty",
    "∑": r"\sum",
    "∏": r"\prod",
    "√": r"\surd",
    "∈": r"\in",
    "±": r"\pm",
    "−": "-",
    "²": "^{2}",
    "³": "^{3}",
    "ᵀ": r"^{\top}",
    "⊤": r"\top",
    "‖": r"\|",
    **{
        chr(0x3B1 + i): ("\\" + name if name != "o" else name)
        for i, name in enumerate(
            "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
            "o pi rho varsigma sigma tau upsilon phi chi psi omega".split()
        )
    },
    "Γ": r"\Gamma",
    "Δ": r"\Delta",
    "Θ": r"\Theta",
    "Λ": r"\Lambda",
    "Σ": r"\Sigma",
    "Φ": r"\Phi",
    "Ψ": r"\Psi",
    "Ω": r"\Omega",
}
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE_MATH)))

#: The LaTeX commands math in prose may use (amsmath and amssymb loaded).
MATH_COMMANDS = frozenset(
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu
    nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
    frac dfrac tfrac sqrt binom dbinom tbinom left right middle big Big bigg Bigg
    bigl bigr Bigl Bigr biggl biggr
    sum prod coprod int iint iiint oint lim limsup liminf sup inf max min arg det dim
    exp log ln lg sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth
    gcd hom ker deg Pr limits nolimits displaystyle textstyle scriptstyle
    operatorname mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak boldsymbol
    text textrm textit textbf emph hat bar tilde dot ddot vec check breve acute grave
    widehat widetilde overline underline overbrace underbrace overset underset stackrel
    leq geq le ge neq ne approx sim simeq cong equiv propto ll gg prec succ
    to mapsto rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow
    longrightarrow longmapsto implies iff uparrow downarrow
    in notin ni subset subseteq supset supseteq cup cap setminus emptyset varnothing
    forall exists nexists neg lnot land lor wedge vee mid nmid parallel perp not
    cdot times div pm mp circ ast star otimes oplus odot bullet dagger
    ldots cdots vdots ddots dots dotsc dotsb
    infty partial nabla prime ell hbar Re Im aleph top bot angle surd triangle
    langle rangle lfloor rfloor lceil rceil lvert rvert lVert rVert vert Vert backslash
    quad qquad
    """.split()
)
#: Environments math in prose may open (those SymPy prints matrices and cases with).
MATH_ENVIRONMENTS = frozenset(
    "matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix array cases".split()
)
_CONTROL_SYMBOLS = frozenset(",;:! {}|_%&#")

_TOKEN = re.compile(
    r"\\(?P<env>begin|end)\{(?P<name>[A-Za-z]+\*?)\}"
    r"|\\(?P<word>[A-Za-z]+)"
    r"|\\(?P<symbol>.)"
    r"|(?P<carets>\^\^+)"
    r"|(?P<char>.)",
    re.S,
)


def _tokens(math: str) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs: env (``begin:name``/``end:name``), word, symbol, char."""
    out = []
    for m in _TOKEN.finditer(math):
        if m["env"]:
            out.append(("env", f"{m['env']}:{m['name']}"))
        elif m["word"]:
            out.append(("word", m["word"]))
        elif m["symbol"] is not None:
            out.append(("symbol", m["symbol"]))
        elif m["carets"]:
            out.append(("carets", m["carets"]))
        else:
            out.append(("char", m["char"]))
    return out


def _paired(tokens: list[tuple[str, str]]) -> set[int]:
    """Indices of the braces and allowed environments that pair up."""
    stack: list[tuple[str, int]] = []
    paired: set[int] = set()
    for i, (kind, text) in enumerate(tokens):
        if kind == "char" and text == "{":
            stack.append(("{", i))
        elif kind == "char" and text == "}":
            if stack and stack[-1][0] == "{":
                paired.update((stack.pop()[1], i))
        elif kind == "env":
            side, name = text.split(":")
            if name not in MATH_ENVIRONMENTS:
                continue
            if side == "begin":
                stack.append((name, i))
            elif stack and stack[-1][0] == name:
                paired.update((stack.pop()[1], i))
    return paired


_SAFE_CHARS = {
    "\\": r"\backslash ",
    "^": r"\text{\textasciicircum}",
    **{c: f"\\{c}" for c in "{}&%#_$"},
}


def _escaped_symbol(char: str) -> str:
    """A control symbol not allowed, e.g. ``\\^``, printed: never a command."""
    return r"\backslash " + _SAFE_CHARS.get(char, char)


def math_latex(math: str) -> str:
    r"""Math from prose, every command checked against :data:`MATH_COMMANDS`.

    Examples
    --------
    >>> math_latex(r"\frac{1}{2} \sum_i x_i")
    '\\frac{1}{2} \\sum_i x_i'
    >>> math_latex(r"\csname pdfobj\endcsname {")
    '\\backslash\\mathrm{csname} pdfobj\\backslash\\mathrm{endcsname} \\{'
    >>> math_latex(r"^^5cinput & x \\ y")
    '^\\text{\\textasciicircum}5cinput \\& x \\backslash \\backslash  y'
    """
    math = re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", " ", math)
    tokens = _tokens(math)
    paired = _paired(tokens)
    out, depth = [], 0
    for i, (kind, text) in enumerate(tokens):
        if kind == "env":
            side, name = text.split(":")
            if i in paired:
                depth += 1 if side == "begin" else -1
                out.append(rf"\{side}{{{name}}}")
            else:
                out.append(rf"\backslash\mathrm{{{side}}}\{{{escape_text(name)}\}}")
        elif kind == "word":
            out.append(rf"\{text}" if text in MATH_COMMANDS else rf"\backslash\mathrm{{{text}}}")
        elif kind == "symbol":
            if text in _CONTROL_SYMBOLS or (text == "\\" and depth > 0):
                out.append(f"\\{text}")
            else:
                out.append(_escaped_symbol(text))
        elif kind == "carets":
            out.append("^" + r"\text{\textasciicircum}" * (len(text) - 1))
        elif text in "{}":
            out.append(text if i in paired else f"\\{text}")
        elif text in "#%\\" or (text == "&" and depth == 0):
            out.append(_SAFE_CHARS[text])
        else:
            out.append(text)
    return "".join(out)


def prose_latex(text: str) -> str:
    """Text for LaTeX: escaped, ``$...$`` kept as (checked) math, Unicode symbols as commands.

    An unmatched ``$`` makes the whole text plain (``costs $5`` prints as written).
    """
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", text)
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an unmatched $: no math at all
        parts = [text]
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            math = _UNICODE_RE.sub(lambda m: _UNICODE_MATH[m.group()] + " ", part)
            out.append(f"${math_latex(math)}$")
        else:
            out.append(
                _UNICODE_RE.sub(lambda m: f"${_UNICODE_MATH[m.group()]}$", escape_text(part))
            )
    return "".join(out)
