"""`v2s encode` end to end: real clips, frame counts and fps, latent reuse, bad input, missing weights (flat memory: test_edit_cli)."""
import json, subprocess, sys
from pathlib import Path
import av, numpy as np, pytest
from conftest import shared_file, run_v2s, run_main, make_video
from v2s_nb.video import VideoReader


def _assert_clean_failure(r, *needles, out=None):
    "One-line error on stderr naming what went wrong, non-zero exit, no traceback, no output left"
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = [l for l in r.stderr.strip().splitlines() if l.startswith('v2s: error:')]
    assert len(lines) == 1, r.stderr
    assert 'Traceback' not in r.stderr, r.stderr
    for n in needles: assert n in lines[0], (n, lines[0])
    if out is not None: assert not Path(out).exists(), f'{out} was left behind'


def test_encode_real_clip(tmp_path):
    clip = shared_file('assets', 'videos', 'liveportrait_d0.mp4')
    r = run_v2s('encode', clip, '--out', tmp_path/'o', '-q', '--composite', 'replace', '--tune', '0')   # the shipped generator's face, pasted
    assert r.returncode == 0, r.stderr
    assert 'random' not in r.stderr.lower()           # the default is the shipped mini models, with nothing to excuse
    src = VideoReader(clip)
    for name in ('reconstruction.mp4', 'side_by_side.mp4'):
        v = VideoReader(tmp_path/'o'/name)
        assert v.n_frames == src.n_frames == 78 and v.rate == src.rate
        assert abs(v.duration - src.duration) < 1e-4, (name, v.duration, src.duration)   # the last frame as long too
        assert sum(1 for _ in v) == src.n_frames
    lat = np.load(tmp_path/'o'/'latents.npy')
    rep = json.loads((tmp_path/'o'/'report.json').read_text())
    assert lat.shape == (src.n_frames, 10, 128) == tuple(rep['latent_shape']) and rep['profile'] == 'mini'
    pytest.importorskip('mediapipe')
    from v2s_nb.faces import MediaPipeDetector
    with MediaPipeDetector() as det:                                 # a face pasted back, not a blob
        found = [len(det(f)) > 0 for f in VideoReader(tmp_path/'o'/'reconstruction.mp4')]
    assert np.mean(found) >= 0.9, np.mean(found)
    k = rep['n_low']
    assert (lat[1:, k:] == lat[:1, k:]).all()                      # high part of every frame = frame 0's, bit for bit
    assert (np.abs(np.diff(lat[:, :k], axis=0)).max(axis=(1, 2)) > 0).all()  # low part moves with the frames


def test_console_script_installed():
    exe = Path(sys.executable).parent/'v2s'
    assert exe.exists(), 'the `v2s` entry point is not installed'
    r = subprocess.run([str(exe), '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and 'encode' in r.stdout and 'examples:' in r.stdout


def test_missing_file(tmp_path):
    _assert_clean_failure(run_v2s('encode', tmp_path/'missing.mp4', '--out', tmp_path/'o'), 'missing.mp4', 'does not exist', out=tmp_path/'o')


def test_text_file_named_mp4(tmp_path):
    (tmp_path/'notes.mp4').write_text('hello, I am not a video\n' * 20)
    _assert_clean_failure(run_v2s('encode', tmp_path/'notes.mp4', '--out', tmp_path/'o'), 'notes.mp4', 'cannot read', out=tmp_path/'o')


# Truncated files (index at the start and at the end) of real clips, by the dozen: tests/test_faults.py


def test_zero_frame_video(tmp_path):
    with av.open(str(tmp_path/'empty.mp4'), 'w') as o:
        s = o.add_stream('mpeg4', rate=25); s.width = s.height = 64; s.pix_fmt = 'yuv420p'
    _assert_clean_failure(run_main('encode', tmp_path/'empty.mp4', '--out', tmp_path/'o'), 'empty.mp4', out=tmp_path/'o')


def test_output_folder_under_a_file(tmp_path):
    clip = make_video(tmp_path/'c.mp4', 8)
    (tmp_path/'afile').write_text('x')
    _assert_clean_failure(run_main('encode', clip, '--out', tmp_path/'afile'/'o'), 'afile', 'cannot write to output folder')


def test_read_only_output_folder(tmp_path):
    clip = make_video(tmp_path/'c.mp4', 8)
    ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(0o555)
    try:
        try: (ro/'probe').write_text('x')
        except PermissionError: pass
        else: pytest.skip('running as a user who can write to read-only folders (root)')
        _assert_clean_failure(run_v2s('encode', clip, '--out', ro/'o'), 'cannot write to output folder', out=ro/'o')
    finally: ro.chmod(0o755)


def test_existing_output_folder_is_kept_on_failure(tmp_path):
    "A folder the user already had is not deleted when encoding fails, and gets no partial files"
    (tmp_path/'o').mkdir(); (tmp_path/'o'/'mine.txt').write_text('keep me')
    data = make_video(tmp_path/'full.mp4', 40).read_bytes(); (tmp_path/'cut.mp4').write_bytes(data[:len(data) // 2])
    _assert_clean_failure(run_main('encode', tmp_path/'cut.mp4', '--out', tmp_path/'o'), 'cut.mp4')
    assert sorted(p.name for p in (tmp_path/'o').iterdir()) == ['mine.txt']


def test_paper_profile_offline_without_weights(tmp_path):
    clip = make_video(tmp_path/'c.mp4', 8)
    r = run_v2s('encode', clip, '--out', tmp_path/'o', '--profile', 'paper', env={'V2S_CACHE': str(tmp_path/'cache'), 'V2S_WEIGHTS': ''})
    _assert_clean_failure(r, 'stylegan2-ffhq-config-f.pkl', 'https://nvlabs-fi-cdn.nvidia.com/stylegan2/networks/', 'also accepted instead: stylegan2-ffhq-config-f.pt', out=tmp_path/'o')


def test_bad_usage_exits_2(tmp_path):
    r = run_main('encode', '--out', tmp_path/'o')
    assert r.returncode == 2 and 'usage' in r.stderr
    r = run_main('encode', 'x.mp4', '--out', tmp_path/'o', '--profile', 'huge')
    assert r.returncode == 2
