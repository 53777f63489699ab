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


def test_evaluate_reads_trained_baselines(tmp_path):
    "--baselines DIR: pSp / ReStyle / FrEN as tools/train_baselines.py saves them (fp16, profile, steps) become the rows"
    import torch
    from v2s_nb.core import seeded
    from v2s_nb.stylegan import load_generator
    from v2s_nb.encoders import build_encoders
    from v2s_nb.baselines import StyleEncoder, ReStyle, style_encoder_config
    G, cfg, d = load_generator('tiny'), style_encoder_config('tiny'), tmp_path/'trained'
    d.mkdir()
    with seeded(7): models = {'psp': StyleEncoder('psp', cfg, G.latent_avg), 'restyle-psp': ReStyle(G, 'psp', cfg, 2),
                              'fren-same': build_encoders('tiny', G.latent_avg)[0]}
    for n, m in models.items():
        torch.save({'model': {k: v.half() for k, v in m.state_dict().items()}, 'profile': 'tiny', 'steps': 12, 'batch': 4}, d/f'{n}.pt')
    vids = tmp_path/'vids'; vids.mkdir(); make_video(vids/'a.mp4', n_frames=8, size=64)
    r = run_main('evaluate', '--videos', vids, '--out', tmp_path/'t', '--profile', 'tiny', '--crop', 'center', '--frames', '8',
                 '--methods', 'fren,fren-same,psp,restyle-psp', '--restyle-iters', '2', '--baselines', d, '-q')
    assert r.returncode == 0, r.stderr
    rows = {x['method']: x for x in csv.DictReader(open(tmp_path/'t'/'table.csv'))}
    assert list(rows) == ['ours, per frame (FrEN)', 'FrEN, trained as the baselines', 'pSp', 'ReStyle (pSp)']
    assert all(rows[k]['note'] == 'trained here: 12 steps × 4 faces, the same for every baseline' for k in list(rows)[1:])
    assert rows['FrEN, trained as the baselines']['psnr'] != rows['ours, per frame (FrEN)']['psnr']   # its own weights, not the profile's
    _assert_clean_failure(run_main('evaluate', '--videos', vids, '--out', tmp_path/'u', '--methods', 'e4e', '--baselines', d),
                          'e4e.pt does not exist', 'tools/train_baselines.py')
    _assert_clean_failure(run_main('evaluate', '--videos', vids, '--out', tmp_path/'u', '--methods', 'psp', '--baselines', d),
                          "trained for profile 'tiny', not 'mini'")
    _assert_clean_failure(run_main('evaluate', '--videos', vids, '--out', tmp_path/'u', '--methods', 'fren-same'), '--baselines')


def test_bench_prints_ratios_to_vien():
    r = run_v2s('bench', '--profile', 'tiny', '--runs', '2', '--device', 'cpu', '--frames', '4', '--streams', '2', '--e2e-frames', '6')
    assert r.returncode == 0, r.stderr
    for name in ('fren', 'vien', 'psp', 'e4e', 'restyle×5'): assert f'\n  {name} ' in r.stdout, r.stdout
    assert 'pSp / ViEN = ' in r.stdout
    for row in ('ViEN one stream', 'ViEN 2 streams', 'render 64² (batch 4)', 'psp one frame', 'e4e one frame', 'end to end'):
        assert f'\n  {row}' in r.stdout, r.stdout
    assert 'renders PSNR inf dB' in r.stdout and 'latents max |Δ| 0.00e+00' in r.stdout   # the CPU fast path: same numbers
    _assert_clean_failure(run_v2s('bench', '--profile', 'tiny', '--methods', 'vien,xyz'), "unknown encoder 'xyz'")
