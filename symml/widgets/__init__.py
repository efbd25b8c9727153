"""Explorers: ipywidgets views that show the formula and the plot while parameters move.

This is the only package in symml that imports ipywidgets.

=======================  ====================================================
function                 what it shows
=======================  ====================================================
``explore``              any expression in one variable, any parameters
``explore_derivative``   f, f' and the tangent line at a movable point
``explore_svd``          rank-k reconstruction and explained variance
``explore_bayes``        Beta prior -> posterior as coin flips are added
``explore_descent``      gradient descent / Newton on a 2-D function
``explore_regression``   polynomial ridge regression: fit, residuals, lambda
``explore_likelihood``   pdf/pmf over the data, log-likelihood with the MLE
=======================  ====================================================

``ExplorerServer`` serves a notebook of explorers as a web page with Voilà
(what ``symml app`` runs); ``app_notebook`` is the notebook it serves by default.

Each returns an :class:`Explorer` with ``.sliders`` (name -> widget),
``.formula`` (an ``HTMLMath`` widget; its ``value`` is the LaTeX shown),
``.figure`` (the Matplotlib figure) and ``.model`` (the pure-Python
:class:`~symml.widgets.ParameterModel`). Setting a slider's ``value`` from
code drives it exactly as a user would, so the explorers are testable
headlessly.

>>> import sympy as sp
>>> from symml.widgets import explore
>>> a, x = sp.symbols("a x", real=True)
>>> e = explore(a*sp.sin(x), x, params={a: (0.5, 3.0)})
>>> sorted(e.sliders)
['a']
"""

from ._app import ExplorerServer as ExplorerServer
from ._app import app_notebook as app_notebook
from ._bayes import explore_bayes as explore_bayes
from ._bayesian_regression import explore_bayesian_regression as explore_bayesian_regression
from ._descent import explore_descent as explore_descent
from ._explorer import Explorer as Explorer
from ._functions import explore as explore
from ._functions import explore_derivative as explore_derivative
from ._likelihood import explore_likelihood as explore_likelihood
from ._params import Param as Param
from ._params import ParameterModel as ParameterModel
from ._regression import explore_regression as explore_regression
from ._svd import explore_svd as explore_svd
from ._svd import sample_image as sample_image

__all__ = [
    "Explorer",
    "ExplorerServer",
    "Param",
    "ParameterModel",
    "app_notebook",
    "explore",
    "explore_bayes",
    "explore_bayesian_regression",
    "explore_derivative",
    "explore_descent",
    "explore_likelihood",
    "explore_regression",
    "explore_svd",
    "sample_image",
]
