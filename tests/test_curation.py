"""`v2s curate`: real clips, bad inputs reported per video, a killed run resumed to the same manifest, shards, samplers."""
import os, signal, subprocess, time
from pathlib import Path
import av, numpy as np, pytest
from conftest import shared_file, run_v2s, V2S
from v2s_nb.video import VideoReader, write_test_video
from v2s_nb.curation import read_manifest, ClipSet, PairDataset

CLIPS = ('liveportrait_d0.mp4', 'liveportrait_d18.mp4', 'videoretalking_face_3.mp4')


def _link_clips(folder, names=CLIPS):
    folder.mkdir(parents=True, exist_ok=True)
    for n in names: (folder/n).symlink_to(shared_file('assets', 'videos', n))
    return folder


def _clip_arrays(out):
    return {p.name: np.load(p) for p in sorted((out/'clips').glob('[!.]*.npy'))}


def test_bad_inputs_reported_others_processed(tmp_path):
    src = _link_clips(tmp_path/'videos', CLIPS[:1])
    real = list(VideoReader(shared_file('assets', 'videos', CLIPS[0])))[:60]
    (src/'corrupt.mp4').write_bytes(os.urandom(20000))
    data = shared_file('assets', 'videos', 'liveportrait_d18.mp4').read_bytes()
    (src/'truncated.mp4').write_bytes(data[:len(data) // 2])
    rng = np.random.default_rng(0)
    write_test_video(src/'noise.mp4', [rng.integers(0, 255, (128, 128, 3), dtype=np.uint8) for _ in range(60)])
    write_test_video(src/'tiny.mp4', [f[::16, ::16] for f in real])                       # 32×32
    portrait = np.zeros((60, 1280, 720, 3), np.uint8); portrait[:, 384:384 + 512, 104:104 + 512] = real
    write_test_video(src/'portrait.mp4', portrait)                                       # 720×1280, a real face
    with av.open(str(src/'voice.m4a'), 'w') as c:
        a = c.add_stream('aac', rate=44100); a.layout = 'mono'
        af = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format='flt', layout='mono'); af.sample_rate, af.pts = 44100, 0
        for p in [*a.encode(af), *a.encode(None)]: c.mux(p)
    (src/'readme.txt').write_text('not a video, and not listed')

    r = run_v2s('curate', src, tmp_path/'data', '--size', '64', '--workers', '2', '-q')
    assert r.returncode == 0, r.stderr
    rows = {row['source']: row for row in read_manifest(tmp_path/'data')}
    assert set(rows) == {'liveportrait_d0.mp4', 'corrupt.mp4', 'truncated.mp4', 'noise.mp4', 'tiny.mp4', 'portrait.mp4', 'voice.m4a'}
    assert 'cannot read' in rows['corrupt.mp4']['reason']
    assert 'cannot read' in rows['truncated.mp4']['reason'] or 'truncated' in rows['truncated.mp4']['reason']
    assert 'no face' in rows['noise.mp4']['reason'] or 'a face was found in only' in rows['noise.mp4']['reason']
    assert 'too small: 32×32' in rows['tiny.mp4']['reason']
    assert 'no video stream' in rows['voice.m4a']['reason']
    assert rows['portrait.mp4']['reason'] == '' and rows['portrait.mp4']['frames'] == '60' and float(rows['portrait.mp4']['coverage']) >= 0.99
    assert rows['liveportrait_d0.mp4']['frames'] == '78'
    for name in ('corrupt.mp4', 'truncated.mp4', 'noise.mp4', 'tiny.mp4', 'voice.m4a'):
        assert rows[name]['clip'] == '' and rows[name]['frames'] == '0'
        assert f'skipped {name}:' in r.stdout
    assert sorted(p.name for p in (tmp_path/'data'/'clips').iterdir()) == ['liveportrait_d0_000.npy', 'portrait_000.npy']
    # the portrait video's track finds the same face as the original's (BlazeFace letterboxes the tall frame, so
    # its box is a little different: within 10% of the face size in position and 15% in size)
    from v2s_nb.faces import track_faces
    write_test_video(tmp_path/'real.mp4', real)
    a, b = track_faces(tmp_path/'real.mp4').css, track_faces(src/'portrait.mp4').css - [104, 384, 0]
    assert (np.hypot(*(a[:, :2] - b[:, :2]).T) / a[:, 2]).max() < 0.1 and (np.abs(b[:, 2] / a[:, 2] - 1)).max() < 0.15


def test_empty_folder(tmp_path):
    (tmp_path/'empty').mkdir()
    r = run_v2s('curate', tmp_path/'empty', tmp_path/'data')
    assert r.returncode == 1 and r.stderr.strip().startswith('v2s: error: no videos in') and 'Traceback' not in r.stderr
    r = run_v2s('curate', tmp_path/'videos', tmp_path/'data', '--shard', '4/4')
    assert r.returncode == 1 and 'does not exist' in r.stderr


def test_bad_shard(tmp_path):
    src = _link_clips(tmp_path/'videos', CLIPS[:1])
    r = run_v2s('curate', src, tmp_path/'data', '--shard', '4/4')
    assert r.returncode == 1 and '--shard must look like i/n' in r.stderr


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_manifest(tmp_path):
    src = _link_clips(tmp_path/'videos')
    ref = run_v2s('curate', src, tmp_path/'ref', '--size', '64', '-q')
    assert ref.returncode == 0, ref.stderr
    ref_rows = read_manifest(tmp_path/'ref')
    assert [(r['source'], r['clip'], r['frames'], r['split']) for r in ref_rows] == [
        ('liveportrait_d0.mp4', 'liveportrait_d0_000', '78', rr) for rr in [ref_rows[0]['split']]] + [
        ('liveportrait_d18.mp4', f'liveportrait_d18_00{i}', '72', ref_rows[1]['split']) for i in range(3)] + [
        ('videoretalking_face_3.mp4', f'videoretalking_face_3_00{i}', '62', ref_rows[4]['split']) for i in range(2)]
    assert all(float(r['coverage']) == 1.0 and float(r['jitter_px']) < 2 for r in ref_rows)

    out = tmp_path/'run'
    env = {**os.environ, 'V2S_OFFLINE': '1', 'HF_HUB_OFFLINE': '1'}
    p = subprocess.Popen([str(V2S), 'curate', str(src), str(out), '--size', '64', '-q'], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen, t0 = set(), time.time()
    while time.time() - t0 < 120 and p.poll() is None:
        for f in (out/'clips').glob('[!.]*.npy') if (out/'clips').exists() else []:   # not the hidden temporary files
            if f.name not in seen:                       # every visible clip is complete the moment it appears
                a = np.load(f); assert a.shape[0] in (62, 72, 78) and a.shape[1:] == (64, 64, 3); seen.add(f.name)
        if len(seen) >= 2: break
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL); p.wait()
    assert 2 <= len(seen) < 6, seen                       # killed midway
    assert not (out/'manifest.csv').exists() or len(read_manifest(out)) < 6

    r = run_v2s('curate', src, out, '--size', '64', '-q')
    assert r.returncode == 0, r.stderr
    assert (out/'manifest.csv').read_bytes() == (tmp_path/'ref'/'manifest.csv').read_bytes()
    a, b = _clip_arrays(out), _clip_arrays(tmp_path/'ref')
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    assert not [f for f in out.rglob('.*')]               # no temporary files left

    # two shards writing into one folder give the same manifest as one run
    for i in (1, 0):
        r = run_v2s('curate', src, tmp_path/'sharded', '--size', '64', '--shard', f'{i}/2', '-q')
        assert r.returncode == 0, r.stderr
    assert (tmp_path/'sharded'/'manifest.csv').read_bytes() == (tmp_path/'ref'/'manifest.csv').read_bytes()

    # samplers over the result; a manifest naming a missing clip is refused
    cs = ClipSet(out); assert sum(cs.lengths) == 78 + 3 * 72 + 2 * 62
    assert len(PairDataset(cs, gap=10)) == 68 + 3 * 62 + 2 * 52
    (out/'clips'/'liveportrait_d18_001.npy').unlink()
    with pytest.raises(Exception, match='missing'): ClipSet(out)
