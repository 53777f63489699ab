"""`v2s edit` / `v2s render` end to end: real clips keep frames, fps and audio; kill and resume; specs; flat memory."""
import json, os, signal, subprocess, sys, time
import numpy as np, pytest
from conftest import SHARED, V2S, shared_file, run_v2s, run_main, make_video
from test_encode_cli import _assert_clean_failure
from v2s_nb.video import VideoReader, VideoWriter
from v2s_nb.cli import main   # the `v2s` command in this process (the subprocess tests below run the real script)

ALL_CLIPS = sorted(p.name for p in (SHARED/'assets'/'videos').glob('*.mp4'))
# Six of the 13 clips cover what differs between them: MPEG-4 Part 2 and H.264, no audio and AAC, 25 and 30 fps,
# 480² to 844², three time bases. Every clip is tracked in test_faces_video; V2S_ALL_CLIPS=1 edits all 13 here.
_COVER = {'WDA_AlexandriaOcasioCortez_000.mp4', 'liveportrait_d0.mp4', 'liveportrait_d18.mp4', 'liveportrait_d20.mp4',
          'videoretalking_face_2.mp4', 'videoretalking_face_5.mp4'}
CLIPS = [c for c in ALL_CLIPS if os.environ.get('V2S_ALL_CLIPS') or c in _COVER] or ['(no shared clips)']


def _weights():
    "3DDFA_V2 and the BFM from the shared assets, for per-frame head rotations"
    return os.pathsep.join(str(shared_file('assets', d)) for d in ('3ddfa_v2', 'bfm'))


def _audio_streams(path) -> int:
    import av
    with av.open(str(path)) as c: return len(c.streams.audio)


@pytest.mark.slow
@pytest.mark.parametrize('name', CLIPS)
def test_edit_dev_clip(name, tmp_path):
    "`v2s edit CLIP --age +20 --yaw 15` on every dev clip: output frames = input frames, fps and audio kept, report written"
    clip = shared_file('assets', 'videos', name)
    assert main(['edit', str(clip), '--age', '+20', '--yaw', '15', '--out', str(tmp_path/'o'), '--weights', _weights(), '--tune', '0',
                 '-q']) == 0                                                   # tuning: test_kill_while_tuning, test_wheel
    src, out = VideoReader(clip), VideoReader(tmp_path/'o'/'edited.mp4')
    assert (out.n_frames, out.rate, out.width, out.height) == (src.n_frames, src.rate, src.width, src.height)
    assert sum(1 for _ in out) == src.n_frames
    assert _audio_streams(tmp_path/'o'/'edited.mp4') == _audio_streams(clip)
    rep = json.loads((tmp_path/'o'/'report.json').read_text())
    assert rep['frames'] == src.n_frames and rep['audio'] == src.has_audio
    assert rep['spec'] == {'age': 20., 'yaw': 15.} and rep['rotations'].startswith('3DDFA_V2')
    assert rep['face_track']['coverage'] >= 0.99 and set(rep['stages']) == {'track', 'encode', 'render'}
    assert np.load(tmp_path/'o'/'latents.npy', mmap_mode='r').shape[0] == src.n_frames
    assert np.load(tmp_path/'o'/'rotations.npy').shape == (src.n_frames, 3, 3)
    assert not (tmp_path/'o'/'.v2s').exists()


def _wait_for(pred, timeout, proc):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred(): return
        if proc.poll() is not None: raise AssertionError(f'v2s ended (rc {proc.returncode}) before the moment to kill it')
        time.sleep(0.05)
    raise AssertionError('timed out')


def _start(*args):
    e = {**os.environ, 'V2S_OFFLINE': '1', 'HF_HUB_OFFLINE': '1'}
    return subprocess.Popen([str(V2S), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)


VISIBLE = lambda o: sorted(p.name for p in o.iterdir() if not p.name.startswith('.'))


@pytest.mark.slow
def test_kill_and_resume(tmp_path):
    "SIGKILL while encoding, SIGTERM while rendering: no partial output file either time; re-runs carry on"
    clip = make_video(tmp_path/'c.mp4', 240, size=128)
    out, args = tmp_path/'o', ('edit', tmp_path/'c.mp4', '--age', '10', '--out', tmp_path/'o', '--crop', 'center', '--tune', '0', '-q')
    part = out/'.v2s'/'latents.part'
    p = _start(*args)
    _wait_for(lambda: part.exists() and part.stat().st_size > 40 * 10 * 128 * 4, 120, p)   # ≥ 40 frames of mini latents (10×128 fp32) encoded
    p.kill(); p.wait()
    assert VISIBLE(out) == ['track.npz'], VISIBLE(out)                 # only the finished stage; no partial files
    r = subprocess.run([str(V2S), *map(str, args)], capture_output=True, text=True, env={**os.environ, 'V2S_OFFLINE': '1'})
    assert r.returncode == 0, r.stderr
    rep = json.loads((out/'report.json').read_text())
    assert rep['stages']['track'] == {'skipped': True} and rep['stages']['encode']['resumed_from'] >= 40
    assert rep['frames'] == 240 and VideoReader(out/'edited.mp4').n_frames == 240
    lat = np.load(out/'latents.npy')
    full = tmp_path/'full'
    assert run_v2s('encode', clip, '--out', full, '--crop', 'center', '--tune', '0', '-q').returncode == 0
    np.testing.assert_allclose(lat, np.load(full/'latents.npy'), atol=1e-5)   # resumed = uninterrupted

    # new edits on the same job: only the render stage runs; SIGTERM during it leaves the last finished video alone
    first = (out/'edited.mp4').read_bytes()
    p = _start('edit', clip, '--age', '-10', '--out', out, '--crop', 'center', '--tune', '0', '--chunk', '2')
    _wait_for(lambda: any(f.suffix == '.mp4' for f in (out/'.v2s').glob('*')) if (out/'.v2s').exists() else False, 120, p)
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM); _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and 'run the same command again' in err, (p.returncode, err)
    assert (out/'edited.mp4').read_bytes() == first                   # the old result, whole; no half-written file
    assert not any(f.suffix == '.mp4' for f in (out/'.v2s').glob('*'))  # the interrupted video was removed
    r = run_v2s('edit', clip, '--age', '-10', '--out', out, '--crop', 'center', '--tune', '0', '-q')
    assert r.returncode == 0, r.stderr
    rep = json.loads((out/'report.json').read_text())
    assert rep['stages']['encode'] == {'skipped': True} and rep['spec'] == {'age': -10.}
    r = run_v2s('edit', clip, '--age', '-10', '--out', out, '--crop', 'center', '--tune', '0', '-q')
    assert r.returncode == 0 and 'nothing to do' in r.stdout


@pytest.mark.slow
def test_kill_while_tuning(tmp_path):
    "SIGKILL during per-clip tuning: no tuned generator is left half-written, and the re-run carries on from the last checkpoint"
    clip = _looped_clip(tmp_path/'c.mp4', 1)                          # 24 frames of a real face
    args = lambda o: ('edit', clip, '--age', '20', '--out', o, '--tune', '40', '--crop', 'center', '-q')
    ckpt = tmp_path/'k'/'.v2s'/'tune.ckpt'
    p = _start(*args(tmp_path/'k'))
    _wait_for(ckpt.exists, 300, p)                                     # the checkpoint of step 25
    p.kill(); p.wait()
    assert not (tmp_path/'k'/'tuned_generator.pt').exists()
    import torch
    at_kill = torch.load(ckpt, weights_only=True)
    r = subprocess.run([str(V2S), *map(str, args(tmp_path/'k'))], capture_output=True, text=True, env={**os.environ, 'V2S_OFFLINE': '1'})
    assert r.returncode == 0, r.stderr
    rep = json.loads((tmp_path/'k'/'report.json').read_text())
    assert rep['tune'] == 40 and rep['stages']['tune']['steps'] == 40 and rep['stages']['encode'] == {'skipped': True}
    log = torch.load(tmp_path/'k'/'tuned_generator.pt', weights_only=True)['log']
    assert len(log) == 40 and log[:at_kill['step']] == at_kill['log']   # carried on from the checkpoint, not from step 0
    # (that a resumed tuning ends with exactly the weights of an unbroken one is asserted in 16d_tune)


def test_spec_file_flags_and_render(tmp_path):
    "A YAML spec with keyframes, a flag overriding it, and `v2s render` of the finished job with new edits"
    clip = make_video(tmp_path/'c.mp4', 12, size=96)
    (tmp_path/'e.yaml').write_text('age: {0: 0, 11: 30}\nyaw: 5\nappearance: {seed: 2, amount: 0.5}\n')
    r = run_v2s('edit', clip, '--spec', tmp_path/'e.yaml', '--yaw', '-8', '--style', '3:4=2', '--out', tmp_path/'o', '--crop', 'center', '--tune', '0', '-q')
    assert r.returncode == 0, r.stderr
    rep = json.loads((tmp_path/'o'/'report.json').read_text())
    assert rep['spec'] == {'age': {'0': 0., '11': 30.}, 'yaw': -8., 'appearance': {'seed': 2, 'amount': 0.5},
                           'stylespace': [{'layer': 3, 'channel': 4, 'amount': 2.}]}
    r = run_v2s('render', tmp_path/'o', '--out', tmp_path/'r', '--roll', '5', '-q')
    assert r.returncode == 0, r.stderr
    rep2 = json.loads((tmp_path/'r'/'report.json').read_text())
    assert rep2['stages']['encode'] == {'skipped': True} and rep2['spec'] == {'roll': 5.}
    assert VideoReader(tmp_path/'r'/'edited.mp4').n_frames == 12


def test_bad_edit_input(tmp_path):
    clip = make_video(tmp_path/'c.mp4', 6, size=96)
    (tmp_path/'bad.json').write_text('{"age": 20,')
    _assert_clean_failure(run_v2s('edit', clip, '--spec', tmp_path/'bad.json', '--out', tmp_path/'o'), 'bad.json', 'cannot read edit spec', out=tmp_path/'o')
    (tmp_path/'odd.json').write_text('{"agee": 20}')
    _assert_clean_failure(run_main('edit', clip, '--spec', tmp_path/'odd.json', '--out', tmp_path/'o'), 'odd.json', 'unknown edit agee', out=tmp_path/'o')
    _assert_clean_failure(run_main('edit', clip, '--style', 'x:y=1', '--out', tmp_path/'o'), 'LAYER:CHANNEL', out=tmp_path/'o')
    _assert_clean_failure(run_main('edit', clip, '--style', 'lipstick=3', '--out', tmp_path/'o', '--crop', 'center', '--tune', '0'), 'FFHQ 1024', out=tmp_path/'o')
    _assert_clean_failure(run_main('render', tmp_path/'nojob'), 'not a finished v2s job')
    _assert_clean_failure(run_main('edit', clip, '--yaw', '1000', '--out', tmp_path/'o'), 'yaw 1000° is beyond what the editors were trained for', out=tmp_path/'o')
    r = run_main('edit', clip, '--age', 'old', '--out', tmp_path/'o')
    assert r.returncode == 2 and 'usage' in r.stderr


def _peak_rss_mb(video, out):
    "Peak RSS (MiB) of a fresh process that edits `video`"
    code = ("import resource, sys; from v2s_nb.pipeline import edit_video; "
            "edit_video(sys.argv[1], sys.argv[2], {'age': 20, 'yaw': 15}, crop='center', tune=0, progress=False); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    r = subprocess.run([sys.executable, '-c', code, str(video), str(out)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    return float(r.stdout.strip().splitlines()[-1])


def _looped_clip(path, loops, n=24):
    "The first `n` frames of a real clip (at half size), played `loops` times over"
    src = VideoReader(shared_file('assets', 'videos', 'liveportrait_d18.mp4'))
    frames = [f[::2, ::2] for _, f in zip(range(n), src)]; src.close()
    with VideoWriter(path, fps=25) as w:
        for _ in range(loops):
            for f in frames: w.write(f)
    return path


@pytest.mark.slow
def test_memory_flat_in_video_length(tmp_path):
    "Peak RSS editing a real clip looped 16× is within 10% of editing it once (24 → 384 frames, 240²)"
    rss = {k: _peak_rss_mb(_looped_clip(tmp_path/f'x{k}.mp4', k), tmp_path/f'o{k}') for k in (1, 4, 16)}
    print('peak RSS: ' + ', '.join(f'{k}× {m:.1f} MiB' for k, m in rss.items()) + f'; 16×/1× {rss[16] / rss[1]:.3f}')
    assert rss[16] <= 1.10 * rss[1]
    assert np.load(tmp_path/'o16'/'latents.npy', mmap_mode='r').shape[0] == 384
