"""Faults a user's machine and files bring: damaged videos by the hundred, two runs into one folder, a disk that fills
up, frame times that do not start at zero. Every case ends with a valid output or one clean line, never a traceback,
a hang or a half-written file."""
import hashlib, json, os, subprocess, sys, time
from fractions import Fraction
from pathlib import Path
import numpy as np, pytest
from conftest import ROOT, run_main, make_video, shared_file
from v2s_nb.video import VideoReader, av_times, synthetic_talking_head, write_test_video

TIMEOUT_S = 60          # per damaged file: a decoder stuck on one would show here


def _remux_head(src, dst, n_video=12, faststart=False):
    "The first `n_video` video packets of a real clip and its audio up to their time, copied (no re-encoding) into `dst`"
    import av
    with av.open(str(src)) as i, av.open(str(dst), 'w', options={'movflags': 'faststart'} if faststart else {}) as o:
        vi = i.streams.video[0]; ai = i.streams.audio[0] if i.streams.audio else None
        vo = o.add_stream_from_template(vi); ao = o.add_stream_from_template(ai) if ai is not None else None
        n, t_end = 0, None
        for p in i.demux(*[s for s in (vi, ai) if s is not None]):
            if p.dts is None: continue
            if p.stream is vi:
                if n == n_video: t_end = float(p.pts * p.time_base) if t_end is None else t_end; continue
                p.stream = vo; o.mux(p); n += 1
            elif t_end is None or float(p.pts * p.time_base) < t_end:
                p.stream = ao; o.mux(p)
    return Path(dst)


def _variants(bases:dict, d:Path) -> dict:
    "Damaged files made from the bases: {name: path}"
    out, rng = {}, np.random.default_rng(0)
    def put(name, data:bytes, ext='.mp4'):
        p = d/f'{name}{ext}'; p.write_bytes(data); out[name] = p
    for b, path in bases.items():
        data = path.read_bytes(); n = len(data)
        for f in (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):      # truncated downloads
            put(f'{b}_cut{int(f * 100):02d}', data[:int(n * f)])
        for k, at in enumerate(np.linspace(4, min(n, 600) - 8, 8).astype(int)):          # the first boxes (ftyp, moov when fast-start)
            x = bytearray(data); x[at:at + 4] = bytes(v ^ 0xFF for v in x[at:at + 4]); put(f'{b}_head{k}', bytes(x))
        for k, at in enumerate(np.linspace(n * 0.25, n * 0.75, 8).astype(int)):          # inside the media data
            x = bytearray(data); x[at:at + 16] = rng.integers(0, 256, 16, dtype=np.uint8).tobytes(); put(f'{b}_mid{k}', bytes(x))
        m = data.rfind(b'moov')
        if m > n // 2:                                                                  # the index at the end
            for k, at in enumerate(np.linspace(m, n - 8, 6).astype(int)):
                x = bytearray(data); x[at:at + 4] = bytes(v ^ 0xFF for v in x[at:at + 4]); put(f'{b}_moov{k}', bytes(x))
        for k in range(3):                                                              # noise sprinkled over the whole file
            x = np.frombuffer(data, np.uint8).copy(); at = rng.integers(0, n, 64); x[at] = rng.integers(0, 256, 64); put(f'{b}_noise{k}', x.tobytes())
    a = bases['h264'].read_bytes()
    put('empty', b''); put('ftyp_only', a[:32])
    put('wrong_ext_txt', a, '.txt'); put('wrong_ext_mov', a, '.mov'); put('wrong_ext_mkv', a, '.mkv')
    put('text_as_mp4', b'this is a shopping list, not a video\n' * 20)
    import av
    png = d/'frame.png'
    with av.open(str(png), 'w') as c:                                                  # a picture named .mp4
        s = c.add_stream('png'); s.width = s.height = 32; s.pix_fmt = 'rgb24'
        for p in s.encode(av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format='rgb24')): c.mux(p)
        for p in s.encode(None): c.mux(p)
    put('png_as_mp4', png.read_bytes())
    return out


def _outcome(r, out:Path) -> str:
    "'error' or 'output', after checking the run ended the way a user may expect; raises AssertionError otherwise"
    lines = [l for l in r['stderr'].splitlines() if l.strip() and not l.startswith(('note:', 'v2s: warning:'))]
    assert not r['hung'], f"{r['id']}: still running after {TIMEOUT_S} s"
    assert 'Traceback' not in r['stderr'] + r['stdout'], f"{r['id']}: traceback\n{r['stderr'][-2000:]}"
    if r['rc'] == 0:
        rep = json.loads((out/'report.json').read_text())
        n = VideoReader(out/'reconstruction.mp4').n_frames
        assert n == rep['frames'] == np.load(out/'latents.npy', mmap_mode='r').shape[0] > 0, r['id']
        assert not (out/'.v2s').exists(), r['id']
        return 'output'
    assert r['rc'] == 1, f"{r['id']}: exit {r['rc']}\n{r['stderr'][-2000:]}"
    assert len(lines) == 1 and lines[0].startswith('v2s: error:'), f"{r['id']}: not one clean line: {lines}"
    assert not out.exists(), f"{r['id']}: left {sorted(p.name for p in out.iterdir())}"
    return 'error'


@pytest.mark.slow
def test_damaged_videos(tmp_path):
    "≥100 damaged variants of real clips through `v2s encode`: each a valid output or exit 1 with one line, nothing partial"
    bases = {'h264': _remux_head(shared_file('assets', 'videos', 'liveportrait_d18.mp4'), tmp_path/'h264.mp4'),
             'h264fs': _remux_head(shared_file('assets', 'videos', 'liveportrait_d18.mp4'), tmp_path/'h264fs.mp4', faststart=True),
             'mpeg4': _remux_head(shared_file('assets', 'videos', 'WDA_AlexandriaOcasioCortez_000.mp4'), tmp_path/'mpeg4.mp4')}
    for b in bases.values(): assert VideoReader(b).n_frames == 12
    variants = _variants(bases, tmp_path)
    assert len(variants) >= 100
    cases = [dict(id=k, dir=str(tmp_path/'logs'/k), args=['encode', str(p), '--out', str(tmp_path/'o'/k), '--profile', 'tiny',
                                                          '--crop', 'center', '--tune', '0', '-q']) for k, p in variants.items()]
    (tmp_path/'cases.json').write_text(json.dumps(cases))
    t0 = time.time()
    subprocess.run([sys.executable, str(ROOT/'tests'/'fault_runner.py'), tmp_path/'cases.json', tmp_path/'res.json', str(TIMEOUT_S)],
                   check=True, timeout=1200, env={**os.environ, 'V2S_OFFLINE': '1'})
    results = json.loads((tmp_path/'res.json').read_text())
    table, bad = {}, []
    for r in results:
        kind = r['id'].split('_')[1].rstrip('0123456789') if r['id'].startswith(tuple(bases)) else r['id']
        kind = {'cut': 'truncated', 'head': 'header bytes flipped', 'mid': 'media bytes replaced', 'moov': 'index (at end) flipped',
                'noise': '64 random bytes'}.get(kind, 'not a video / wrong extension' if r['id'] not in ('empty', 'ftyp_only') else 'empty / 32 bytes')
        t = table.setdefault(kind, dict(variants=0, error=0, output=0, worst_s=0.))
        try: outcome = _outcome(r, tmp_path/'o'/r['id'])
        except AssertionError as e: bad.append(str(e).splitlines()[0] + ' | ' + r['stderr'].strip().splitlines()[-1][:300]); continue
        t['variants'] += 1; t[outcome] += 1; t['worst_s'] = max(t['worst_s'], r['seconds'])
    print(f"\n{len(results)} damaged files in {time.time() - t0:.0f} s")
    print('| fault | variants | clean error | valid output | worst time (s) |\n|---|---|---|---|---|')
    for k, t in table.items(): print(f"| {k} | {t['variants']} | {t['error']} | {t['output']} | {t['worst_s']:.1f} |")
    assert not bad, f'{len(bad)} of {len(results)} ended badly:\n' + '\n'.join(bad)
    assert sum(t['error'] for t in table.values()) >= 30              # the damage is real: many files are refused


# ---- frame times: the output's frames sit where the input's did, the audio where it was ----

_CASES = {'video starts one frame late, 1350/61 fps': dict(times=0.033 + np.arange(20) * 61 / 1350, fps=Fraction(1350, 61)),
          'variable frame rate': dict(times=np.cumsum(np.random.default_rng(1).choice([1 / 30, 1 / 15, 1 / 10], 20)) - 1 / 30, fps=20),
          'audio 0.5 s before video': dict(times=0.5 + np.arange(20) / 25, fps=25),
          'audio 0.5 s after video': dict(times=np.arange(20) / 25, fps=25, audio_start=0.5)}


@pytest.mark.parametrize('case', list(_CASES))
def test_frame_times_survive_an_edit(case, tmp_path):
    "`v2s edit`'s outputs keep every frame's absolute time and the audio's start: |Δt| at most one 1/90000 s tick"
    kw = _CASES[case]
    src = write_test_video(tmp_path/'in.mp4', synthetic_talking_head(20, 64), audio_hz=440, **kw)
    r = run_main('edit', src, '--age', '10', '--out', tmp_path/'o', '--profile', 'tiny', '--crop', 'center', '--tune', '0', '-q')
    assert r.returncode == 0, r.stderr
    v0, a0 = av_times(src)
    for name in ('edited.mp4', 'side_by_side.mp4'):
        v1, a1 = av_times(tmp_path/'o'/name)
        dv = np.abs(v1 - v0).max() * 1000
        da = abs(a1 - a0) * 1000 if name == 'edited.mp4' else 0.
        print(f'{case}, {name}: max |Δt| video {dv:.3f} ms, audio start {da:.3f} ms')
        assert len(v1) == 20 and dv <= 1000 / 90000 + 1e-6 and da <= 1000 / 90000 + 1e-6
        assert abs(VideoReader(tmp_path/'o'/name).duration - VideoReader(src).duration) < 1e-4   # and it ends when the source does
    np.testing.assert_allclose(v0, kw['times'], atol=1e-3)          # the fixture is what it says (mp4 keeps ms)


# ---- two runs into one folder ----

@pytest.mark.slow
def test_second_run_into_the_same_folder_is_refused(tmp_path):
    "While `v2s edit` works in --out, a second run there is refused at once; the first finishes intact"
    clip = make_video(tmp_path/'c.mp4', 200, size=128)
    env = {**os.environ, 'V2S_OFFLINE': '1'}
    first = subprocess.Popen([str(Path(sys.executable).parent/'v2s'), 'edit', str(clip), '--age', '10', '--out', str(tmp_path/'o'),
                              '--crop', 'center', '--tune', '0', '-q'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    t0 = time.time()
    while not (tmp_path/'o'/'.v2s'/'job.json').is_file():
        assert first.poll() is None and time.time() - t0 < 120, 'the first run ended before it could be raced'
        time.sleep(0.05)
    second = run_main('edit', clip, '--yaw', '5', '--out', tmp_path/'o', '--crop', 'center', '--tune', '0', '-q')
    assert first.poll() is None, 'the first run ended before the second was refused: use a longer clip'
    assert second.returncode == 1 and 'in use by another v2s run' in second.stderr, second.stderr
    assert first.wait(300) == 0, first.stderr.read()
    rep = json.loads((tmp_path/'o'/'report.json').read_text())
    assert rep['spec'] == {'age': 10.} and VideoReader(tmp_path/'o'/'edited.mp4').n_frames == 200
    again = run_main('render', tmp_path/'o', '--yaw', '5', '-q')      # the lock went with the first run
    assert again.returncode == 0, again.stderr


# ---- a disk that fills up ----

@pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() != 0, reason='mounting a small tmpfs needs root')
@pytest.mark.parametrize('size', ['60k', '200k'])
def test_disk_full(size, tmp_path):
    "Writing into a tmpfs too small for the results: exit 1, one line, nothing left on it, the source untouched"
    clip = make_video(tmp_path/'c.mp4', 48, size=256)
    before = hashlib.sha256(clip.read_bytes()).hexdigest()
    mnt = tmp_path/'mnt'; mnt.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={size}', 'tmpfs', str(mnt)], capture_output=True).returncode:
        pytest.skip('cannot mount a tmpfs here')
    try:
        r = run_main('edit', clip, '--age', '10', '--out', mnt/'o', '--profile', 'tiny', '--crop', 'center', '--tune', '0', '-q')
        lines = [l for l in r.stderr.splitlines() if l.startswith('v2s: error')]
        assert r.returncode == 1 and len(lines) == 1 and 'no space left' in lines[0] and 'Traceback' not in r.stderr, r.stderr
        assert list(mnt.iterdir()) == []
    finally: subprocess.run(['umount', str(mnt)])
    assert hashlib.sha256(clip.read_bytes()).hexdigest() == before
