"""The widgets notebook in a real browser: JupyterLab on 127.0.0.1, Debian's headless Chromium driven by Selenium.

Runs the notebook, moves the age slider with the keyboard, and checks that the preview image changed; saves a
screenshot to `.artifacts/browser_editor.png`. Skips, saying why, when Chromium, ChromeDriver, Selenium or JupyterLab
is missing (install: `apt-get install chromium chromium-driver`; `pip install -e .[dev]`).
"""
import json, os, shutil, socket, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import ROOT, CHROMIUM, CHROMEDRIVER, headless_chrome
ARTIFACTS = ROOT/'.artifacts'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def _needs():
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not Path(exe).exists():
            pytest.skip(f'browser test skipped: {exe} is not installed (apt-get install chromium chromium-driver)')
    for mod in ('selenium', 'jupyterlab', 'ipywidgets'):
        try: __import__(mod)
        except ImportError: pytest.skip(f'browser test skipped: Python package {mod} is not installed (pip install -e .[dev])')


def _wait(fn, timeout, what):
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            v = fn()
            if v: return v
        except Exception: pass
        time.sleep(0.5)
    raise AssertionError(f'timed out after {timeout} s waiting for {what}')


@pytest.fixture
def lab(tmp_path):
    "JupyterLab serving a copy of the widgets notebook (so nothing in the project is written), on 127.0.0.1"
    _needs()
    work = tmp_path/'lab'; work.mkdir()
    shutil.copy(ROOT/'nbs'/'18_widgets.ipynb', work/'18_widgets.ipynb')
    port, token = _free_port(), 'v2s-test-token'
    env = {**os.environ, 'V2S_OFFLINE': '1', 'HF_HUB_OFFLINE': '1', 'JUPYTER_CONFIG_DIR': str(tmp_path/'cfg'),
           'JUPYTER_RUNTIME_DIR': str(tmp_path/'rt'), 'JUPYTERLAB_SETTINGS_DIR': str(tmp_path/'settings'),
           'JUPYTERLAB_WORKSPACES_DIR': str(tmp_path/'ws')}
    # autosave off: the browser's run must not write outputs into the notebook file
    (tmp_path/'settings'/'@jupyterlab'/'docmanager-extension').mkdir(parents=True)
    (tmp_path/'settings'/'@jupyterlab'/'docmanager-extension'/'plugin.jupyterlab-settings').write_text(json.dumps({'autosave': False}))
    proc = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={work}', '--expose-app-in-browser', '--allow-root'],
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path/'lab.log', 'w'), env=env)
    try:
        import urllib.request
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))      # 127.0.0.1 never through a proxy
        _wait(lambda: direct.open(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=2).status == 200, 60, 'JupyterLab to start')
        yield f'http://127.0.0.1:{port}/lab/tree/18_widgets.ipynb?token={token}'
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill()


@pytest.mark.slow
def test_widgets_notebook_in_chromium(lab, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    driver = headless_chrome(tmp_path/'chrome', window='1400,1800')
    try:
        driver.get(lab)
        _wait(lambda: driver.execute_script(
            "const a = window.jupyterapp; const w = a && a.shell.currentWidget;"
            "return !!(w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
            " && w.sessionContext.session.kernel.status === 'idle')"), 120, 'the notebook and its kernel')
        driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # the notebook's own checks end with the render button's job; after that the preview is redrawn at once (debounce 0)
        _wait(lambda: 'written:' in driver.find_element(By.TAG_NAME, 'body').text, 300, "the notebook to run through the editor's render")
        img = _wait(lambda: driver.find_element(By.CSS_SELECTOR, 'img.v2s-preview'), 30, 'the preview image')
        before = _wait(lambda: img.get_attribute('src'), 30, 'a preview picture')
        handle = driver.find_element(By.CSS_SELECTOR, '.v2s-age .noUi-handle')
        driver.execute_script('arguments[0].scrollIntoView({block: "center"})', handle)
        value0 = handle.get_attribute('aria-valuenow')
        handle.click(); handle.send_keys(Keys.ARROW_RIGHT); handle.send_keys(Keys.ARROW_RIGHT)
        _wait(lambda: handle.get_attribute('aria-valuenow') != value0, 10, 'the age slider to move')
        after = _wait(lambda: (lambda s: s if s != before else None)(img.get_attribute('src')), 60, 'the preview to change')
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS/'browser_editor.png'))
        print(f"age slider {value0} -> {handle.get_attribute('aria-valuenow')}; preview {before[:40]}… -> {after[:40]}…; "
              f"screenshot {ARTIFACTS/'browser_editor.png'}")
        assert after != before
    finally:
        driver.quit()
