"""`v2s train fren|vien` on a curated real clip: runs, logs, resumes; bad input stops before training."""
import csv, shutil
import pytest
from conftest import shared_file, run_v2s, run_main


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('train')
    (root/'videos').mkdir()
    (root/'videos'/'liveportrait_d0.mp4').symlink_to(shared_file('assets', 'videos', 'liveportrait_d0.mp4'))
    r = run_v2s('curate', root/'videos', root/'data', '--size', '64', '-q')
    assert r.returncode == 0, r.stderr
    return root


def _rows(p): return list(csv.DictReader(open(p)))


def test_train_fren_then_vien_and_resume(data):
    out = data/'run'
    r = run_v2s('train', 'fren', '--data', data/'data', '--out', out, '--iters', '3', '--n1', '2', '--bs', '4', '--losses', 'l2', '-q')
    assert r.returncode == 0, r.stderr
    assert (out/'fren.pt').is_file() and (out/'fren.ckpt').is_file()
    rows = _rows(out/'fren_log.csv')
    assert [(int(x['iteration']), int(x['stage'])) for x in rows] == [(0, 1), (1, 1), (2, 2)]
    r = run_v2s('train', 'fren', '--data', data/'data', '--out', out, '--iters', '5', '--n1', '2', '--bs', '4', '--losses', 'l2', '--resume', '-q')
    assert r.returncode == 0, r.stderr
    assert [int(x['iteration']) for x in _rows(out/'fren_log.csv')] == [0, 1, 2, 3, 4]     # continued, not restarted
    r = run_v2s('train', 'vien', '--data', data/'data', '--out', out, '--iters', '2', '--bs', '4', '--losses', 'l2', '-q')
    assert r.returncode == 0, r.stderr
    assert (out/'vien.pt').is_file() and len(_rows(out/'vien_log.csv')) == 2


def _fails(r, needle):
    assert r.returncode == 1 and 'Traceback' not in r.stderr, r.stderr
    line = [l for l in r.stderr.splitlines() if l.startswith('v2s: error:')]
    assert len(line) == 1 and needle in line[0], r.stderr


def test_bad_input_stops_before_training(data, tmp_path):
    _fails(run_main('train', 'fren', '--data', tmp_path/'nowhere', '--out', tmp_path/'o'), 'does not exist')
    (tmp_path/'empty').mkdir()
    _fails(run_main('train', 'fren', '--data', tmp_path/'empty', '--out', tmp_path/'o'), 'no manifest.csv')
    broken = tmp_path/'broken'; shutil.copytree(data/'data', broken)
    next((broken/'clips').glob('[!.]*.npy')).unlink()
    _fails(run_main('train', 'fren', '--data', broken, '--out', tmp_path/'o'), 'missing')
    _fails(run_main('train', 'vien', '--data', data/'data', '--out', tmp_path/'o2', '--losses', 'l2'), 'needs a trained FrEN')
    _fails(run_main('train', 'fren', '--data', data/'data', '--out', tmp_path/'o', '--losses', 'l2,ssim'), 'unknown loss')
    out = tmp_path/'tiny_run'
    assert run_v2s('train', 'fren', '--data', data/'data', '--out', out, '--profile', 'tiny', '--iters', '1', '--bs', '2', '--losses', 'l2', '-q').returncode == 0
    r = run_v2s('train', 'fren', '--data', data/'data', '--out', out, '--iters', '2', '--losses', 'l2', '--resume')   # the default: mini
    _fails(r, "not 'mini'")
    assert len(_rows(out/'fren_log.csv')) == 1                                           # nothing was trained


@pytest.mark.slow
def test_two_processes_agree(tmp_path):
    "Two CPU processes (gloo), started by torchrun: both end with identical weights, which differ from the start"
    import os, subprocess, sys, torch
    from conftest import ROOT
    env = {**os.environ, 'V2S_OFFLINE': '1', 'HF_HUB_OFFLINE': '1', 'OMP_NUM_THREADS': '1'}
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_port', '29533',
                        str(ROOT/'tools'/'dist_check.py'), str(tmp_path)], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    a, b = torch.load(tmp_path/'rank0.pt'), torch.load(tmp_path/'rank1.pt')
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert [int(l.split(',')[0]) for l in (tmp_path/'fren_log.csv').read_text().splitlines()[1:]] == [0, 1, 2]   # rank 0 logs
    from v2s_nb.encoders import build_encoders
    from v2s_nb.stylegan import load_generator
    fresh, _ = build_encoders('tiny', load_generator('tiny').mean_latent(4096)[0])
    assert not torch.equal(fresh.state_dict()['head.weight'], a['head.weight'])
