"""Shared fixtures: the offline assets beside the project, small videos made on the fly, and a `v2s` runner."""
import os, shutil, subprocess, sys
from pathlib import Path
import pytest

os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('V2S_OFFLINE', '1')
ROOT = Path(__file__).resolve().parents[1]
V2S = Path(sys.executable).parent/'v2s'  # the installed console script
from v2s_nb.core import shared_path                       # the finder the notebooks use ($V2S_SHARED or ../shared)
CHROMIUM, CHROMEDRIVER = (shutil.which(n) or f'/usr/bin/{n}' for n in ('chromium', 'chromedriver'))   # Debian's (`make browser`)
SHARED = shared_path() or Path(os.environ.get('V2S_SHARED', ROOT.parent/'shared'))   # the fallback names the path in skip messages


def shared_file(*parts) -> Path:
    "A file under ../shared, or skip the test with a message naming it"
    p = SHARED.joinpath(*parts)
    if not p.exists(): pytest.skip(f'{p} is not available (the shared assets live beside the project)')
    return p


def run_v2s(*args, env=None, timeout=600):
    "Run the `v2s` command in a subprocess; returns CompletedProcess with text output"
    e = {**os.environ, 'V2S_OFFLINE': '1', 'HF_HUB_OFFLINE': '1', **(env or {})}
    return subprocess.run([str(V2S), *map(str, args)], capture_output=True, text=True, env=e, timeout=timeout)


def run_main(*args):
    """The `v2s` command run in this process (no interpreter start-up, ~5 s less per call), output captured like
    `run_v2s`'s; for refusals that happen before any work (the other tests run the installed script)"""
    import contextlib, io, types
    from v2s_nb.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: rc = main([str(a) for a in args])
        except SystemExit as e: rc = e.code if isinstance(e.code, int) else 1
    return types.SimpleNamespace(returncode=rc, stdout=out.getvalue(), stderr=err.getvalue())


def headless_chrome(user_data_dir, window:str='1400,1600', console_log:bool=False):
    """Debian's Chromium, headless, driven by Selenium (never a downloaded browser); skips the test, saying what to
    install, when Chromium, ChromeDriver or Selenium is missing. `console_log` keeps the page console for `get_log`."""
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not Path(exe).exists(): pytest.skip(f'browser test skipped: {exe} is not installed (make browser)')
    try: from selenium import webdriver
    except ImportError: pytest.skip('browser test skipped: Python package selenium is not installed (pip install -e .[dev])')
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    opts = Options()
    opts.binary_location = CHROMIUM
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
              '--disable-background-networking', '--disable-component-update', '--disable-sync', f'--window-size={window}',
              '--no-proxy-server', f'--user-data-dir={user_data_dir}'):
        opts.add_argument(a)
    if console_log: opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def make_video(path, n_frames=24, size=96, fps=24, seed=0):
    "Write a drawn talking-head clip of `n_frames` frames"
    from v2s_nb.video import VideoWriter, synthetic_talking_head
    with VideoWriter(path, fps=fps) as w:
        for f in synthetic_talking_head(n_frames, size, seed=seed): w.write(f)
    return Path(path)
