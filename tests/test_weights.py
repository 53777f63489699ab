"""The download path for real, against an HTTP server on 127.0.0.1 that the test starts."""
import hashlib, http.server, threading
from pathlib import Path
import pytest
from v2s_nb import weights as W

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == '/good.pt' or self.path == '/bad_sum.pt':
            self.send_response(200); self.send_header('Content-Length', str(len(PAYLOAD))); self.end_headers()
            self.wfile.write(PAYLOAD)
        elif self.path == '/cut.pt':  # promises the whole file, sends a third, hangs up
            self.send_response(200); self.send_header('Content-Length', str(len(PAYLOAD))); self.end_headers()
            self.wfile.write(PAYLOAD[:len(PAYLOAD) // 3]); self.wfile.flush()
            self.close_connection = True
        elif self.path == '/page.pt':
            body = b'<html>confirm download</html>'
            self.send_response(200); self.send_header('Content-Type', 'text/html'); self.send_header('Content-Length', str(len(body))); self.end_headers()
            self.wfile.write(body)
        else: self.send_error(404)


@pytest.fixture(scope='module')
def server():
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
    yield f'http://127.0.0.1:{srv.server_address[1]}'
    srv.shutdown()


SHA = hashlib.sha256(PAYLOAD).hexdigest()


def test_good_download(server, tmp_path):
    p = W.download(f'{server}/good.pt', tmp_path/'w.pt', sha256=SHA, progress=False)
    assert p.read_bytes() == PAYLOAD and W.sha256sum(p) == SHA
    assert sorted(f.name for f in tmp_path.iterdir()) == ['w.pt']


def test_wrong_checksum_leaves_nothing(server, tmp_path):
    with pytest.raises(W.DownloadError, match='checksum mismatch'):
        W.download(f'{server}/bad_sum.pt', tmp_path/'w.pt', sha256='0' * 64, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_transfer_leaves_nothing(server, tmp_path):
    with pytest.raises(W.DownloadError, match='interrupted|IncompleteRead|failed'):
        W.download(f'{server}/cut.pt', tmp_path/'w.pt', sha256=SHA, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_web_page_instead_of_file(server, tmp_path):
    with pytest.raises(W.DownloadError, match='web page'):
        W.download(f'{server}/page.pt', tmp_path/'w.pt', progress=False)
    assert list(tmp_path.iterdir()) == []


def test_resolve_order_and_download_into_cache(server, tmp_path, monkeypatch):
    monkeypatch.setenv('V2S_CACHE', str(tmp_path/'cache')); monkeypatch.delenv('V2S_OFFLINE', raising=False)
    monkeypatch.delenv('V2S_WEIGHTS', raising=False)
    e = W.register(W.WeightsEntry('test-good', 'good.pt', f'{server}/good.pt', sha256=SHA))
    try:
        p = W.resolve('test-good', progress=False)                       # download into the cache
        assert p == tmp_path/'cache'/'good.pt' and p.read_bytes() == PAYLOAD
        (tmp_path/'wd').mkdir(); (tmp_path/'wd'/'good.pt').write_bytes(b'local')
        monkeypatch.setenv('V2S_WEIGHTS', str(tmp_path/'wd'))
        assert W.resolve('test-good') == tmp_path/'wd'/'good.pt'          # $V2S_WEIGHTS beats the cache
        (tmp_path/'x.pt').write_bytes(b'x')
        assert W.resolve('test-good', path=tmp_path/'x.pt') == tmp_path/'x.pt'  # an explicit path beats everything
    finally: W.REGISTRY.pop(e.name)


def test_resolve_bad_checksum_becomes_missing_weights(server, tmp_path, monkeypatch):
    monkeypatch.setenv('V2S_CACHE', str(tmp_path/'cache')); monkeypatch.delenv('V2S_OFFLINE', raising=False)
    e = W.register(W.WeightsEntry('test-bad', 'bad.pt', f'{server}/bad_sum.pt', sha256='f' * 64))
    try:
        with pytest.raises(W.MissingWeightsError) as ei: W.resolve('test-bad', progress=False)
        msg = str(ei.value)
        assert 'bad.pt' in msg and f'{server}/bad_sum.pt' in msg and str(tmp_path/'cache'/'bad.pt') in msg and 'checksum' in msg
        assert not (tmp_path/'cache'/'bad.pt').exists()
    finally: W.REGISTRY.pop(e.name)


def test_offline_names_file_url_and_target(tmp_path, monkeypatch):
    monkeypatch.setenv('V2S_CACHE', str(tmp_path)); monkeypatch.setenv('V2S_OFFLINE', '1'); monkeypatch.delenv('V2S_WEIGHTS', raising=False)
    with pytest.raises(W.MissingWeightsError) as ei: W.resolve('stylegan2-ffhq-config-f')
    msg = str(ei.value)
    assert 'stylegan2-ffhq-config-f.pt' in msg and W.REGISTRY['stylegan2-ffhq-config-f'].url in msg and str(tmp_path) in msg
