"""`v2s evaluate` and `v2s bench` from the command line: tables written, every method listed, clean errors."""
import csv, json
from conftest import run_v2s, run_main, make_video
from test_encode_cli import _assert_clean_failure


def test_evaluate_writes_table1(tmp_path):
    vids = tmp_path/'vids'; vids.mkdir()
    make_video(vids/'a.mp4', n_frames=10, size=96); make_video(vids/'b.mp4', n_frames=10, size=96, seed=1)
    r = run_v2s('evaluate', '--videos', vids, '--out', tmp_path/'t', '--crop', 'center', '--frames', '8',
                '--methods', 'vien,fren,fren-smooth,psp,e4e,restyle-psp,i2s', '--i2s-iters', '3', '--restyle-iters', '1', '-q')
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(open(tmp_path/'t'/'table.csv')))
    assert [x['method'] for x in rows] == ['ours (ViEN)', 'ours, per frame (FrEN)', 'FrEN + temporal smoothing', 'pSp', 'e4e',
                                           'ReStyle (pSp)', 'Image2StyleGAN']
    assert all(x['clips'] == '2' and 0 < float(x['ssim']) < 1 and float(x['tc']) > 0 for x in rows)
    rep = json.loads((tmp_path/'t'/'report.json').read_text())
    assert set(rep['left_out']) >= {'FID'}                      # no Inception weights offline: said, not faked
    assert 'fid' not in rows[0] and (tmp_path/'t'/'table.png').stat().st_size > 10_000
    assert '| ours (ViEN) |' in r.stdout and 'left out FID' in r.stdout


def test_evaluate_bad_input(tmp_path):
    _assert_clean_failure(run_main('evaluate', '--videos', tmp_path/'nothing', '--out', tmp_path/'t'), 'does not exist')
    (tmp_path/'empty').mkdir()
    _assert_clean_failure(run_main('evaluate', '--videos', tmp_path/'empty', '--out', tmp_path/'t'), 'no videos')
    make_video(tmp_path/'empty'/'a.mp4', n_frames=8, size=64)
    _assert_clean_failure(run_v2s('evaluate', '--videos', tmp_path/'empty', '--out', tmp_path/'t', '--methods', 'vien,stylegan9'),
                          'unknown method(s) stylegan9', out=tmp_path/'t')


def test_bench_prints_ratios_to_vien():
    r = run_v2s('bench', '--profile', 'tiny', '--runs', '2', '--device', 'cpu', '--frames', '4', '--streams', '2', '--e2e-frames', '6')
    assert r.returncode == 0, r.stderr
    for name in ('fren', 'vien', 'psp', 'e4e', 'restyle×5'): assert f'\n  {name} ' in r.stdout, r.stdout
    assert 'pSp / ViEN = ' in r.stdout
    for row in ('ViEN one stream', 'ViEN 2 streams', 'render 64² (batch 4)', 'psp one frame', 'e4e one frame', 'end to end'):
        assert f'\n  {row}' in r.stdout, r.stdout
    assert 'renders PSNR inf dB' in r.stdout and 'latents max |Δ| 0.00e+00' in r.stdout   # the CPU fast path: same numbers
    _assert_clean_failure(run_v2s('bench', '--profile', 'tiny', '--methods', 'vien,xyz'), "unknown encoder 'xyz'")
