"""The documentation site: every notebook executed, then rendered with its outputs into `_site/`.

    python tools/docs.py execute [--force]   # run every notebook (nbdev-test's runner, slow cells included);
                                             # keep the executed copies in _build/executed/
    python tools/docs.py build               # execute if the copies are stale, then render _site/ and report

`make test` runs `execute --force` (it is the notebook half of the test suite), so `make docs` after it only renders.
The copies are reused when nothing they depend on changed: the key hashes every notebook's cells, the library, the
shipped models, the trained evaluation encoders in `models/`, `pyproject.toml` and whether `../shared` is present.

Why Sphinx + myst-nb: nbdev's own `nbdev-docs` needs Quarto, which cannot be installed offline. Sphinx, myst-nb,
furo and sphinx-mathjax-offline are pure wheels from PyPI; myst-nb renders notebooks with their stored outputs,
autodoc + viewcode give an API page per module with source links, the search index is built into the site (no
server), and MathJax is bundled, so a reader offline sees equations. MkDocs + mkdocs-jupyter would do the notebooks
too, but its API plugin (mkdocstrings) reads no docments either, and its math needs a CDN or hand-copied MathJax.
Docments (nbdev's per-parameter comments) become `:param:` fields through `docs/_ext/v2s_docments.py`.
"""
import hashlib, json, os, re, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS, BUILD, SITE = ROOT/'nbs', ROOT/'_build', ROOT/'_site'
EXECUTED, SRC = BUILD/'executed', BUILD/'docs_src'
KEY = EXECUTED/'key.json'


def source_key() -> str:
    "What the executed notebooks depend on: cell sources (not outputs), the library, the shipped models, models/, the config"
    h = hashlib.sha256()
    for f in sorted(NBS.glob('*.ipynb')):
        h.update(f.name.encode())
        for c in json.loads(f.read_text())['cells']: h.update((c['cell_type'] + ''.join(c['source'])).encode())
    for f in sorted(p for d in ('v2s_nb', 'models') for p in (ROOT/d).rglob('*') if p.is_file() and '__pycache__' not in p.parts):
        h.update(str(f.relative_to(ROOT)).encode()); h.update(f.read_bytes())
    h.update((ROOT/'pyproject.toml').read_bytes())
    h.update(str((ROOT.parent/'shared').exists() or bool(os.environ.get('V2S_SHARED'))).encode())
    return h.hexdigest()


def fresh() -> bool:
    "Are the executed copies complete and made from what is here now?"
    if not KEY.exists(): return False
    names = {f.name for f in NBS.glob('*.ipynb')}
    return json.loads(KEY.read_text()).get('key') == source_key() and names <= {f.name for f in EXECUTED.glob('*.ipynb')}


def execute(force=False):
    "nbdev-test --flags slow on every notebook, each passing notebook's executed copy written to `_build/executed`"
    if not force and fresh(): return print(f'docs: executed notebooks in {EXECUTED.relative_to(ROOT)} are up to date')
    import nbdev.test
    from fastcore.nbio import write_nb
    if EXECUTED.exists(): shutil.rmtree(EXECUTED)
    EXECUTED.mkdir(parents=True)
    key = source_key()
    # nbdev's `save=True` writes outputs back into the notebook; send them to the copy instead (the workers are
    # forked, so they inherit this)
    nbdev.test.write_nb = lambda nb, fn: write_nb(nb, EXECUTED/Path(fn).name)
    # nbdev runs the notebooks in parallel, one per core (at most 8); torch would give each of them every core, and
    # two notebooks of two threads each on 2 cores ran 3× slower than with one thread each (measured: 23 s against
    # 7.5 s for the same training steps), so each notebook gets its share of the cores unless the caller chose
    from fastcore.parallel import num_cpus
    workers = min(num_cpus(), 8)
    os.environ.setdefault('OMP_NUM_THREADS', str(max(1, num_cpus() // workers)))
    t0 = time.time()
    nbdev.test.nbdev_test(path=str(NBS), flags='slow', save=True, timing=True, n_workers=workers)   # exits 1, naming any that fails
    for f in NBS.glob('*.ipynb'):                                   # `skip_exec: true` notebooks are shown as written
        if not (EXECUTED/f.name).exists(): shutil.copy(f, EXECUTED/f.name)
    KEY.write_text(json.dumps({'key': key, 'seconds': round(time.time() - t0, 1)}))


# ---------------------------------------------------------------------------------------------------------------
# executed notebooks -> Sphinx sources

def reading_order() -> list:
    "Notebook names in the order of the README's table (index.ipynb), which is the order a reader goes in"
    index = json.loads((NBS/'index.ipynb').read_text())
    text = '\n'.join(''.join(c['source']) for c in index['cells'] if c['cell_type'] == 'markdown')
    order = re.findall(r'^\| `(\w+)` \|', text, flags=re.M)
    missing = sorted({f.stem for f in NBS.glob('*.ipynb')} - set(order) - {'index'})
    if missing: sys.exit(f"docs: notebooks {missing} are not in the README's table (nbs/index.ipynb): add a row for each")
    return order


def _directives(src: str) -> set:
    return {l[2:].strip().split(':')[0].split()[0] for l in src.splitlines() if l.startswith('#|') and l[2:].strip()}


def _clean_cell(cell, order):
    "nbdev's directives applied the way its own docs do; None for a cell the reader should not see"
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'raw': return None                    # nbdev front matter (e.g. `skip_exec: true`)
    cell['metadata'].pop('execution', None)                       # execnb's timings (floats) fail nbformat's schema
    if cell['cell_type'] == 'code':
        d = _directives(src)
        if d & {'hide', 'default_exp', 'exporti'}: return None
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip('\n')
        if not code.strip(): return None
        cell['source'] = code
        outs = []
        for o in cell.get('outputs', []):
            if o.get('output_type') == 'stream' and o.get('name') == 'stderr': continue   # progress bars, warnings
            data = o.get('data')
            if data and data.pop('application/vnd.jupyter.widget-view+json', None):   # no widget JavaScript offline
                data['text/plain'] = '[an interactive widget: open this notebook in Jupyter to use it]'
            outs.append(o)
        cell['outputs'] = outs
    elif cell['cell_type'] == 'markdown':
        src = src.replace('](nbs/images/', '](images/').replace('[`_site/index.html`](_site/index.html)', '`_site/index.html` (this page)')
        src = re.sub(r'\]\(nbs/(\w+)\.ipynb([#)])', r'](\1.ipynb\2', src)   # the README's links to notebooks
        # the README table names notebooks in backticks; on the site they are links
        src = re.sub(r'^\| `(\w+)` \|', lambda m: f'| [`{m[1]}`]({m[1]}.ipynb) |' if m[1] in order else m[0], src, flags=re.M)
        cell['source'] = src
    return cell


def _modules() -> list:
    mods = []
    for f in sorted((ROOT/'v2s_nb').rglob('*.py')):
        rel = f.relative_to(ROOT).with_suffix('')
        if f.name in ('__init__.py', '_modidx.py'): continue
        mods.append('.'.join(rel.parts))
    return mods


def _module_notebook() -> dict:
    "module -> the notebook that exports it (from its `#| default_exp`)"
    out = {}
    for f in NBS.glob('*.ipynb'):
        m = re.search(r'#\| default_exp ([\w.]+)', f.read_text())
        if m: out['v2s_nb.' + m[1]] = f.stem
    return out


def write_sources():
    "`_build/docs_src`: the cleaned executed notebooks, the pictures they link, an index with the toctrees, API pages"
    order = reading_order()
    if SRC.exists(): shutil.rmtree(SRC)
    (SRC/'api').mkdir(parents=True)
    shutil.copytree(NBS/'images', SRC/'images')
    for name in ['index'] + order:
        nb = json.loads((EXECUTED/f'{name}.ipynb').read_text())
        nb['cells'] = [c for c in (_clean_cell(c, order) for c in nb['cells']) if c is not None]
        if name == 'index':
            mods = _modules()
            nb['cells'].append({'cell_type': 'markdown', 'id': 'toctrees', 'metadata': {}, 'source':
                '```{toctree}\n:hidden:\n:caption: Notebooks\n\n' + '\n'.join(order) + '\n```\n\n'
                '```{toctree}\n:hidden:\n:caption: API reference\n\n' + '\n'.join(f'api/{m}' for m in mods) + '\n```'})
        (SRC/f'{name}.ipynb').write_text(json.dumps(nb))
    owner = _module_notebook()
    for m in _modules():
        nbname = owner.get(m)
        see = f'Written in the notebook {{doc}}`../{nbname}`, where it is explained with examples.\n\n' if nbname else ''
        # autodoc lists a module's functions and classes by itself, but constants only when they have a `#:` comment
        data = ''.join(f'.. autodata:: {m}.{k}\n   :no-value:\n\n' for k in _constants(m))
        (SRC/'api'/f'{m}.md').write_text(f'# `{m}`\n\n{see}```{{eval-rst}}\n.. automodule:: {m}\n   :members:\n'
                                         f'   :undoc-members:\n   :show-inheritance:\n\n{data}```\n')


def _constants(module: str) -> list:
    "The names in a module's `__all__` that are data, not functions, classes or modules"
    import importlib, inspect
    mod = importlib.import_module(module)
    return [k for k in getattr(mod, '__all__', []) if not (callable(v := getattr(mod, k)) or inspect.ismodule(v))]


def build():
    t0 = time.time()
    execute()
    t1 = time.time()
    write_sources()
    html = BUILD/'html'                     # myst-nb keeps its files beside the output folder: in _build, not the root
    for d in (html, SITE): shutil.rmtree(d, ignore_errors=True)
    r = subprocess.run([sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '-j', '2', '-c', str(ROOT/'docs'),
                        str(SRC), str(html)], cwd=ROOT)
    if r.returncode: sys.exit(f'docs: sphinx-build failed (exit {r.returncode}); see the messages above')
    shutil.move(html, SITE)
    t2 = time.time()
    pages = list(SITE.rglob('*.html'))
    images = [p for p in SITE.rglob('*') if p.suffix.lower() in ('.png', '.jpg', '.jpeg', '.gif', '.svg')
              and '_static' not in p.parts]
    report = {'seconds_execute': round(t1 - t0, 1), 'seconds_render': round(t2 - t1, 1), 'seconds_total': round(t2 - t0, 1),
              'pages': len(pages), 'images': len(images)}
    (SITE/'_build_report.json').write_text(json.dumps(report, indent=1))
    print(f"docs: _site/ built in {report['seconds_total']} s (executing {report['seconds_execute']} s, rendering "
          f"{report['seconds_render']} s): {report['pages']} pages, {report['images']} images; open _site/index.html")


if __name__ == '__main__':
    cmd = sys.argv[1] if len(sys.argv) > 1 else 'build'
    if cmd == 'execute': execute(force='--force' in sys.argv)
    elif cmd == 'build': build()
    else: sys.exit(__doc__)
