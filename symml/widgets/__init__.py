"""Explorers: ipywidgets views that show the formula and the plot while parameters move.

This is the only package in symml that imports ipywidgets.

>>> import sympy as sp
>>> from symml.widgets import explore
>>> a, x = sp.symbols("a x", real=True)
>>> e = explore(a*sp.sin(x), x, params={a: (0.5, 3.0)})
>>> sorted(e.sliders)
['a']
"""

from ._explorers import Explorer as Explorer
from ._explorers import explore as explore
from ._explorers import explore_bayes as explore_bayes
from ._explorers import explore_derivative as explore_derivative
from ._explorers import explore_descent as explore_descent
from ._explorers import explore_likelihood as explore_likelihood
from ._explorers import explore_regression as explore_regression
from ._explorers import explore_svd as explore_svd
from ._explorers import sample_image as sample_image
from ._params import Param as Param
from ._params import ParameterModel as ParameterModel

__all__ = [
    "Explorer",
    "Param",
    "ParameterModel",
    "explore",
    "explore_bayes",
    "explore_derivative",
    "explore_descent",
    "explore_likelihood",
    "explore_regression",
    "explore_svd",
    "sample_image",
]
