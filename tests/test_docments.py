"""Every public function and class of the library documents its parameters (fastcore docments: a comment after each
parameter, which the site's API pages and the notebooks' `doc` cells show); no line of a notebook's code, exported or
not, is over 120 characters (the site shows longer ones behind a scrollbar), and no line chains statements with `;`."""
import dataclasses, importlib, inspect, io, json, pkgutil, tokenize
from pathlib import Path
import pytest
from fastcore.docments import docments
import v2s_nb

NBS = Path(__file__).parents[1]/'nbs'
MAX_LINE = 120


def _callables(mod):
    "(name, function) of every public function, class constructor and public method the module defines"
    for n in getattr(mod, '__all__', []):
        o = getattr(mod, n)
        if inspect.isfunction(o) and o.__module__ == mod.__name__: yield n, o
        elif inspect.isclass(o) and o.__module__ == mod.__name__:
            if dataclasses.is_dataclass(o): yield n, o                  # its fields, documented in the class body
            for k, v in vars(o).items():
                if k == '__init__' and dataclasses.is_dataclass(o): continue
                f = v.__func__ if isinstance(v, (classmethod, staticmethod)) else v
                if inspect.isfunction(f) and (k == '__init__' or not k.startswith('_')): yield f'{n}.{k}', f


def undocumented(mod) -> list:
    "'function: parameter' for each parameter of the module's public callables that has no docment"
    out = []
    for name, f in _callables(mod):
        d = docments(f, full=True)
        out += [f'{name}: {k}' for k, v in d.items() if k not in ('self', 'cls', 'return') and not v['docment']
                and v['kind'] not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    return out


def long_lines(mod) -> list:
    "'file:line' of each line over 120 characters that is written in a notebook (not nbdev's docstring and `__all__`)"
    f, out, in_all = Path(mod.__file__), [], False
    for i, l in enumerate(f.read_text().splitlines(), 1):
        in_all = l.startswith('__all__ = [') or (in_all and not l.startswith('#'))
        if len(l) > MAX_LINE and not in_all and not (i == 1 and l.startswith('"""')): out.append(f'{f.name}:{i}')
    return out


def modules() -> list:
    return [importlib.import_module(m.name) for m in pkgutil.walk_packages(v2s_nb.__path__, 'v2s_nb.')
            if not m.name.endswith('_modidx')]


@pytest.mark.parametrize('mod', modules(), ids=lambda m: m.__name__)
def test_parameters_documented_and_lines_short(mod):
    und, long = undocumented(mod), long_lines(mod)
    assert not und, f"{mod.__name__}: {len(und)} undocumented parameters:\n" + '\n'.join(und)
    assert not long, f"{mod.__name__}: {len(long)} lines over {MAX_LINE} characters:\n" + '\n'.join(long)


def notebook_lines(src:str) -> list:
    "(line, why) of each line of a code cell over 120 characters or chaining statements with `;`"
    out = [(l, 'long') for l in src.split('\n') if len(l) > MAX_LINE]
    try: toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError): return out
    depth = 0
    for t in toks:
        if t.type == tokenize.OP and t.string in '([{': depth += 1
        elif t.type == tokenize.OP and t.string in ')]}': depth -= 1
        elif t.type == tokenize.OP and t.string == ';' and depth == 0:
            rest = t.line[t.end[1]:].strip()
            if rest and not rest.startswith('#'): out.append((t.line.rstrip(), ';'))   # a trailing `;` hides output
    return out


@pytest.mark.parametrize('nb', sorted(NBS.glob('*.ipynb')), ids=lambda p: p.name)
def test_notebook_cells_readable(nb):
    bad = [f"{why}: {l.strip()[:100]}" for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code'
           for l, why in notebook_lines(''.join(c['source']))]
    assert not bad, f"{nb.name}: {len(bad)} lines to split:\n" + '\n'.join(bad)


def test_the_check_can_fail():
    import types
    m = types.ModuleType('v2s_nb.fake'); m.__all__ = ['f', 'g']
    def f(a, # documented
          b): pass
    def g(x:int=1, # documented
          ): pass
    f.__module__ = g.__module__ = 'v2s_nb.fake'; m.f, m.g = f, g
    assert undocumented(m) == ['f: b']
    assert notebook_lines('a = 1; b = 2\nplt.plot(x);\nf(a, b);  # hides the output') == [('a = 1; b = 2', ';')]
    assert notebook_lines('x = "' + 'y' * 130 + '"')[0][1] == 'long'
