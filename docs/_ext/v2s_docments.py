"""Sphinx extension: nbdev's docments (a comment after each parameter) become autodoc `:param:` fields.

    def crop(img, size:int=256, # output side in pixels
    ): ...

renders "size – output side in pixels" under the function, as nbdev's own `show_doc` tables do."""
import re
from fastcore.docments import docments


def _plain(line: str) -> str:
    """The library's docstrings are plain text with `code` in backticks, not reStructuredText: keep docutils from
    reading `|x|` as a substitution, a lone `*` as emphasis or `name_` as a link"""
    line = line.replace('|', r'\|')
    line = re.sub(r'(?<![*\\])\*(?!\*)', r'\\*', line)
    return re.sub(r'(\w)_(?=\W|$)', r'\1\\_', line)


def _fields(app, what, name, obj, options, lines):
    if what in ('data', 'attribute') and getattr(obj, '__doc__', None) == getattr(type(obj), '__doc__', None):
        lines[:] = []; return                # a constant: not `dict`'s or `str`'s own docstring under its name
    lines[:] = [_plain(l) for l in lines]
    if what not in ('function', 'method', 'class'): return
    try: d = docments(obj, full=True)
    except Exception: return                 # builtins, C extensions, objects without a signature
    have = set(re.findall(r':param (\w+):', '\n'.join(lines)))
    add = [f':param {k}: {v["docment"]}' for k, v in d.items() if k not in ('return', 'self') and v.get('docment') and k not in have]
    ret = d.get('return', {}).get('docment') if isinstance(d.get('return'), dict) else None
    if ret and ':returns:' not in '\n'.join(lines): add.append(f':returns: {ret}')
    if add: lines.extend([''] + [_plain(a) for a in add])


def setup(app):
    app.connect('autodoc-process-docstring', _fields)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
