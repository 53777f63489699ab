"""The documentation site `make docs` builds into `_site/`: every internal link resolves, and in headless Chromium every
page loads without console errors, every notebook page that draws a figure shows it, and search finds ViEN.

Run by `make docs` after the build (CI does); skips, saying why, when `_site/` has not been built or Chromium is
missing. Screenshots of three pages go to `_site/_screenshots/` for review.
"""
import functools, http.server, importlib.util, json, re, threading, time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, unquote
import pytest
from conftest import ROOT, headless_chrome

SITE = ROOT/'_site'
pytestmark = pytest.mark.skipif(not (SITE/'index.html').exists(), reason='docs site not built: run `make docs`')


def _docs_tool():
    spec = importlib.util.spec_from_file_location('docs_tool', ROOT/'tools'/'docs.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m


class _Refs(HTMLParser):
    "The ids and the href/src targets of one page"
    def __init__(self):
        super().__init__(); self.ids, self.refs = set(), []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ('id', 'name'):
            if a.get(k) and (k == 'id' or tag == 'a'): self.ids.add(a[k])
        for k in ('href', 'src'):
            if a.get(k): self.refs.append(a[k])


@functools.cache
def _parsed(path: Path) -> _Refs:
    p = _Refs(); p.feed(path.read_text(errors='replace')); return p


def test_every_internal_link_resolves():
    pages = sorted(SITE.rglob('*.html'))
    n, broken = 0, []
    for page in pages:
        for ref in _parsed(page).refs:
            u = urlsplit(ref)
            if u.scheme or u.netloc or ref.startswith(('mailto:', 'javascript:', 'data:')): continue
            n += 1
            target = page if not u.path else (page.parent/unquote(u.path)).resolve()
            if target.is_dir(): target = target/'index.html'
            if not target.exists(): broken.append(f'{page.relative_to(SITE)} -> {ref} (no such file)'); continue
            if u.fragment and target.suffix == '.html' and unquote(u.fragment) not in _parsed(target).ids:
                broken.append(f'{page.relative_to(SITE)} -> {ref} (no such anchor)')
    print(f'link check: {len(pages)} pages, {n} internal links, {len(broken)} broken')
    assert n > 500, f'only {n} internal links: the site looks incomplete'
    assert not broken, 'broken links:\n' + '\n'.join(broken[:40])


def test_every_notebook_has_a_page_in_reading_order():
    order = _docs_tool().reading_order()
    assert len(order) == len(list((ROOT/'nbs').glob('*.ipynb'))) - 1
    for name in order: assert (SITE/f'{name}.html').exists(), f'no page for {name}'
    # the sidebar lists the notebooks in the README's order
    side = re.findall(r'href="(\w+)\.html"', (SITE/'index.html').read_text())
    listed = [s for s in dict.fromkeys(side) if s in order]
    assert listed == order, f'sidebar order {listed} != README order {order}'


def test_api_pages_cover_every_public_symbol():
    "Each module's page documents everything in its `__all__` (functions, classes, constants), with source links"
    import importlib
    pages = sorted((SITE/'api').glob('v2s_nb.*.html'))
    assert len(pages) == len(_docs_tool()._modules())
    missing, n = [], 0
    for page in pages:
        html, mod = page.read_text(), importlib.import_module(page.stem)
        for sym in mod.__all__:
            n += 1
            if f'id="{page.stem}.{sym}"' not in html: missing.append(f'{page.stem}.{sym}')
        assert '_modules/' in html, f'{page.name}: no source links'
    print(f'API pages: {len(pages)} modules, {n} public symbols, {len(missing)} missing')
    assert not missing, missing


def _draws_figure(name: str) -> bool:
    "Does the rendered notebook hold a picture (an image output or a markdown image)?"
    nb = json.loads((ROOT/'_build'/'docs_src'/f'{name}.ipynb').read_text())
    for c in nb['cells']:
        if c['cell_type'] == 'markdown' and '![' in ''.join(c['source']): return True
        for o in c.get('outputs', []):
            if any(k.startswith('image/') for k in o.get('data', {})): return True
    return False


@pytest.fixture(scope='module')
def served():
    "`_site/` over http on 127.0.0.1 (search and images behave as on a real host)"
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(SITE)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{srv.server_address[1]}'
    srv.shutdown()


@pytest.fixture(scope='module')
def chrome(tmp_path_factory):
    d = headless_chrome(tmp_path_factory.mktemp('chrome'), console_log=True)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


def _load(d, url, timeout=30):
    d.get(url)
    t0 = time.time()
    while time.time() - t0 < timeout:
        if d.execute_script("return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)"):
            return
        time.sleep(0.2)
    raise AssertionError(f'{url}: not loaded after {timeout} s')


@pytest.mark.slow
def test_pages_in_chromium(served, chrome):
    order = _docs_tool().reading_order()
    shots = SITE/'_screenshots'; shots.mkdir(exist_ok=True)
    problems, summary = [], []
    for name in ['index'] + order:
        _load(chrome, f'{served}/{name}.html')
        time.sleep(0.3)                                            # MathJax typesets after load
        errors = [e['message'] for e in chrome.get_log('browser') if e['level'] == 'SEVERE']
        imgs = chrome.execute_script("return Array.from(document.images).map(i => [i.currentSrc, i.naturalWidth])")
        loaded = [s for s, w in imgs if w > 0]
        bad = [s for s, w in imgs if w == 0]
        summary.append(f'{name}: {len(loaded)} images')
        if errors: problems.append(f'{name}: console errors {errors}')
        if bad: problems.append(f'{name}: images that did not load {bad}')
        if name != 'index' and _draws_figure(name) and not loaded: problems.append(f'{name}: draws a figure but shows no image')
        if name in ('index', '06_encoders', '17_pipeline'): chrome.save_screenshot(str(shots/f'{name}.png'))
    print('\n'.join(summary))
    assert not problems, '\n'.join(problems)
    for name in ('index', '06_encoders', '17_pipeline'): assert (shots/f'{name}.png').stat().st_size > 10_000


@pytest.mark.slow
def test_search_finds_vien(served, chrome):
    from selenium.webdriver.common.by import By
    chrome.get(f'{served}/search.html?q=ViEN')
    t0, hits = time.time(), []
    while time.time() - t0 < 30 and not hits:
        time.sleep(0.5)
        hits = [a.get_attribute('href') for a in chrome.find_elements(By.CSS_SELECTOR, '#search-results li a')]
    errors = [e['message'] for e in chrome.get_log('browser') if e['level'] == 'SEVERE']
    print(f'search "ViEN": {len(hits)} results, first {hits[:3]}')
    assert not errors, errors
    assert any('06_encoders' in h for h in hits), f'search for ViEN did not find 06_encoders: {hits}'
