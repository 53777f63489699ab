"""Sphinx configuration for the v2s_nb site; `python tools/docs.py build` (or `make docs`) runs it on `_build/docs_src`."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent/'_ext'))
import v2s_nb

project, author, copyright = 'v2s_nb', 'v2s_nb developers', '2026, v2s_nb developers'
release = v2s_nb.__version__
extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.viewcode', 'sphinx-mathjax-offline', 'v2s_docments']

# notebooks: rendered with the outputs `tools/docs.py execute` stored; nothing runs here
nb_execution_mode = 'off'
nb_ipywidgets_js = {}                     # no widget JavaScript from a CDN: the site works offline
nb_mime_priority_overrides = [('html', 'application/vnd.jupyter.widget-view+json', None)]
myst_enable_extensions = ['dollarmath', 'amsmath', 'colon_fence']
myst_heading_anchors = 3
suppress_warnings = ['myst.header', 'mystnb.unknown_mime_type', 'misc.highlighting_failure']

# API pages: members from each module's __all__, in source order, docments as :param: fields
autodoc_member_order = 'bysource'
autodoc_inherit_docstrings = False        # not torch's 'Define the computation performed at every call' on every forward
autodoc_typehints = 'signature'
default_role = 'literal'                  # `name` in a docstring is code, as in the notebooks' markdown

html_theme = 'furo'
html_title = f'v2s_nb {release}'
html_static_path = [str(Path(__file__).parent/'_static')]
html_css_files = ['v2s.css']
html_favicon = str(Path(__file__).parent/'_static'/'favicon.png')
html_show_sourcelink = False               # the notebooks' JSON is not for reading; viewcode links the library source
