"""The built wheel in a fresh virtual environment runs `v2s demo` offline, away from the project and its shared assets.

The new environment gets the wheel itself (no project checkout, no editable install); its heavy dependencies (torch,
fastai, mediapipe …) are borrowed read-only from the project's environment through a path entry, because
installing them again takes minutes. What is tested is the package: its files, entry point and defaults.
"""
import json, os, subprocess, sys, sysconfig
from pathlib import Path
import pytest
from conftest import ROOT


@pytest.mark.slow
def test_wheel_demo_offline(tmp_path):
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(tmp_path/'dist'), str(ROOT)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    wheel = next((tmp_path/'dist').glob('v2s_nb-*.whl'))
    subprocess.run([sys.executable, '-m', 'venv', str(tmp_path/'env')], check=True)
    py = tmp_path/'env'/'bin'/'python'
    site = subprocess.run([str(py), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], capture_output=True, text=True).stdout.strip()
    Path(site, '_borrowed_deps.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    r = subprocess.run([str(py), '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith('V2S_')}
    env.update(V2S_OFFLINE='1', HF_HUB_OFFLINE='1', HOME=str(tmp_path/'home'), V2S_SHARED=str(tmp_path/'no_shared'))
    away = tmp_path/'elsewhere'; away.mkdir()
    where = subprocess.run([str(py), '-c', 'import v2s_nb; print(v2s_nb.__file__)'], capture_output=True, text=True, cwd=away, env=env)
    assert where.stdout.startswith(site), (where.stdout, where.stderr)          # the wheel's copy, not the checkout
    r = subprocess.run([str(tmp_path/'env'/'bin'/'v2s'), 'demo', '--out', 'demo', '--frames', '12', '--tune', '10', '-q'],
                       capture_output=True, text=True, cwd=away, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (away/'demo').iterdir())
    assert names == ['edited.mp4', 'input.mp4', 'latents.npy', 'report.json', 'rotations.npy', 'side_by_side.mp4', 'track.npz',
                     'tuned_generator.pt'], names
    assert 'edited.mp4' in r.stdout and 'random' not in (r.stdout + r.stderr).lower()      # the shipped mini models, not random ones
    rep = json.loads((away/'demo'/'report.json').read_text())
    assert rep['profile'] == 'mini' and not rep['random_weights'] and rep['composite'] == 'composite' and rep['tune'] == 10
    assert rep['stages']['tune']['identity_loss']                    # MobileFaceNet ships: the identity term runs offline
    assert rep['warnings'] == [] and rep['rotations'].startswith('3DDFA_V2')       # 3DDFA_V2 mb05 ships: no head taken as frontal
    from v2s_nb.video import VideoReader
    from v2s_nb.faces import MediaPipeDetector
    with MediaPipeDetector() as det: found = [len(det(f)) > 0 for f in VideoReader(away/'demo'/'edited.mp4')]
    assert sum(found) >= 0.9 * len(found), found                                                # the edited video shows a face

