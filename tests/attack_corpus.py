"""Hostile texts that every user-text entry point must refuse with a ParseError.

``ATTACKS`` is shared by ``tests/test_parse.py`` (``parse_expr`` raises
``ParseError`` quickly and runs nothing) and ``tests/test_cli.py`` (the command
exits with status 2). Importing this module has no side effects: the strings
are only data. None starts with ``-``, so a command line reads each one as an
argument rather than an option. Those that would touch the file system name the marker file
``PWNED`` in the working directory, so a test can check it was never created.
"""

from __future__ import annotations

__all__ = ["ATTACKS", "MARKER"]

MARKER = "PWNED"
"""File name the code-execution attacks below would create if they ran."""

_CODE = [
    # Python code: imports, exec/eval, builtins, introspection
    f'__import__("os").system("touch {MARKER}")',
    f"__import__('os').system('touch {MARKER}')",
    "import os",
    f'exec(\'open("{MARKER}", "w")\')',
    f'eval(\'__import__("os").system("touch {MARKER}")\')',
    f"open('{MARKER}', 'w').write('x')",
    "getattr(x, '__class__')",
    "globals()",
    "locals()['x']",
    "().__class__.__mro__[1].__subclasses__()",
    "x.__class__.__mro__",
    "(1).__class__",
    "__builtins__",
    "exec",
    "x + exec",
    "compile('1', 's', 'eval')",
    "breakpoint()",
    "Symbol('x').__class__",
    "x.subs(x, 1)",
    "sympify('x')",
    "S('x')",
    "lambda: 0",
    "lambda x: x**2",
    "(lambda: __import__('os'))()",
    "[x for x in range(10)]",
    "(x for x in (1, 2))",
    "{x: 1}",
    "{1, 2}",
    "'x'",
    "b'x'",
    "f'{x}'",
    "(y := 2)",
    "x if y else 2",
    "x and y",
    "not x",
    "*x",
    "f(*x)",
    "log(x, base=2)",
    "Matrix([[1]], evaluate=False)",
    "x[0]",
    "x; import os",
    "x\nimport os",
    "x\n+ 1",
    "x\n__import__('os')",
    "# comment",
    "x # comment",
    "x\x00",
    "\u202ex + 1",  # right-to-left override
    "x\u200b + 1",  # zero-width space
    "ｅｘｅｃ('1')",  # fullwidth letters normalise to exec
    "__ｉｍｐｏｒｔ__('os')",
    "foo(x)",
    "x(1)",
    "2(x + 1)",
    "2x",
    "x y",
    "",
    "   ",
    "x = y = z",
    "x < y",
    "x == y == z",
    "a = ",
    "Eq(x, 1) + 1",
    "x // 2",
    "x % 2",
    "x | y",
    "x @ y",
    "1j",
    "True",
    "None",
    "...",
]

_SIZE = [
    # numbers, factorials and matrices that would hang or exhaust memory
    "9**9**9",
    "10**10**10**10",
    "2**(2**64)",
    "(2*x)**(10**9)",
    "(sqrt(2)*x)**(10**9)",
    "(1/2)**(10**9)",
    "exp(10**9*log(2))",
    "E**(x + 10**9*log(2))",
    "exp(10**9)",
    "floor(exp(10**9))",
    "sin(exp(10**9))",
    "floor(pi**(10**9))",
    "1.5**(10**3000)",
    "(3**6000 + 1)**(1/7)",
    "factorial(10**6)",
    "factorial(factorial(7))",
    "gamma(-10**9 + 1/2)",
    "loggamma(10**7)",
    "binomial(10**9, 10**5)",
    "binomial(1/2, 10**9)",
    "1" + "0" * 5000,
    "0x" + "f" * 3000,
    "1e999999",
    "1e-999999",
    "x+" * 999 + "x",  # more than MAX_NODES parts, under MAX_LENGTH characters
    "(" * 1000 + "x" + ")" * 1000,
    "(" * 300 + "x" + ")" * 300,
    "x" + "-" * 1500 + "x",
    "sin(" * 100 + "x" + ")" * 100,
    "x**" * 100 + "x",
    "[" * 500 + "1" + "]" * 500,
    "[[1]]" + "*[[1]]" * 400,
    "Matrix([[0]*10**8])",
    "[[0]*10**8]",
    "[[1, 2], [3, 4]]**(10**9)",
    "[[x, y], [y, x]]**-5",
    "Max(" + ", ".join(f"x{i}" for i in range(50)) + ")",
    "Derivative(x, (x, 10**9))",
    "diff(x, x, 10**6)",
    "x" * 3000,
]

ATTACKS: list[str] = _CODE + _SIZE
"""Texts that must raise ParseError (status 2 at the command line), quickly."""
