"""The project's own configuration does what it says: test flags, and which module may import which."""
from conftest import ROOT


def test_slow_cells_skip_in_the_fast_run(tmp_path):
    "`#| slow` cells run under `nbdev-test --flags slow` (make test) and are skipped by a plain `nbdev-test` (make test-fast)"
    import nbformat
    from nbdev.config import get_config
    from nbdev.test import test_nb
    skip = get_config(ROOT).tst_flags.split()
    assert {'slow', 'cuda'} <= set(skip)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1'),
                                         nbformat.v4.new_code_cell('#| slow\nraise RuntimeError("the slow cell ran")')])
    nbformat.write(nb, tmp_path/'t.ipynb')
    fast, _ = test_nb(tmp_path/'t.ipynb', skip_flags=skip, force_flags=[], showerr=False)
    slow, _ = test_nb(tmp_path/'t.ipynb', skip_flags=skip, force_flags=['slow'], showerr=False)
    assert fast and not slow


def import_graph() -> dict:
    "{notebook: [notebooks whose modules its module imports]}, module-level and in-function imports alike"
    import ast, re
    pkg, nb_of = ROOT/'v2s_nb', {}
    for f in pkg.rglob('*.py'):
        m = re.search(r'File to edit: (?:\.\./)+nbs/(\S+)\.ipynb', f.read_text())
        if m: nb_of['.'.join(f.relative_to(pkg).with_suffix('').parts)] = m.group(1)
    graph = {}
    for mod in nb_of:
        deps, here = set(), mod.split('.')[:-1]                          # the package the module sits in
        for node in ast.walk(ast.parse((pkg/(mod.replace('.', '/') + '.py')).read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = '.'.join(here[:len(here) - node.level + 1] + ([node.module] if node.module else []))
            elif isinstance(node, ast.ImportFrom) and (node.module or '').startswith('v2s_nb'):
                base = node.module.removeprefix('v2s_nb').lstrip('.')
            elif isinstance(node, ast.Import):
                base = None; deps |= {a.name.removeprefix('v2s_nb.') for a in node.names if a.name.removeprefix('v2s_nb.') in nb_of}
                continue
            else: continue
            deps |= {c for c in (base, *(f'{base}.{a.name}'.lstrip('.') for a in node.names)) if c in nb_of}
        graph[nb_of[mod]] = sorted(nb_of[d] for d in deps - {mod})
    return graph


def test_reading_order():
    "A notebook's module imports only modules of notebooks before it in the reading order (file name order)"
    graph = import_graph()
    for nb, deps in sorted(graph.items()): print(f'{nb:22s} <- {", ".join(deps)}')
    upward = [f'{nb} imports {d}' for nb, deps in graph.items() for d in deps if d > nb]
    assert not upward, upward
