"""Every public function and class of the library documents its parameters (fastcore docments: a comment after each
parameter, which the site's API pages and `show_doc` show), and no exported line is over 120 characters (the site shows
longer ones behind a scrollbar).

Most modules were written before this rule: `docments_todo.json` beside this file holds, per module, how many
parameters are still undocumented and how many lines are too long. The test fails when a module has more than its
entry allows (so nothing new goes in undocumented), and when a module does better than its entry (so the entry is
lowered and the work cannot slide back). A module with no entry must have none."""
import dataclasses, importlib, inspect, json, pkgutil
from pathlib import Path
import pytest
from fastcore.docments import docments
import v2s_nb

TODO = Path(__file__).with_name('docments_todo.json')
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
    todo = json.loads(TODO.read_text()).get(mod.__name__, {})
    und, long = undocumented(mod), long_lines(mod)
    for what, found, allowed in (('undocumented parameters', und, todo.get('undocumented', 0)),
                                 ('lines over 120 characters', long, todo.get('long_lines', 0))):
        assert len(found) <= allowed, f"{mod.__name__}: {len(found)} {what} (at most {allowed}):\n" + '\n'.join(found)
        assert len(found) == allowed, f"{mod.__name__}: {len(found)} {what}, fewer than {allowed}: lower its entry in {TODO.name}"


def test_the_check_can_fail():
    import types
    m = types.ModuleType('v2s_nb.fake'); m.__all__ = ['f', 'g']
    def f(a, # documented
          b): pass
    def g(x:int=1, # documented
          ): pass
    f.__module__ = g.__module__ = 'v2s_nb.fake'; m.f, m.g = f, g
    assert undocumented(m) == ['f: b']
