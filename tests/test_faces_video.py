"""Face tracking and `v2s encode` on every real clip: coverage, jitter, frame counts, size, fps, audio."""
import json
import numpy as np, pytest
from conftest import SHARED, shared_file
from v2s_nb.video import VideoReader
from v2s_nb.faces import MediaPipeDetector, track_faces, to_css, fill_missing, jitter
from v2s_nb.pipeline import encode_video

VIDEOS = sorted((SHARED/'assets'/'videos').glob('*.mp4')) if (SHARED/'assets'/'videos').is_dir() else []


@pytest.mark.slow
def test_tracking_on_every_clip():
    if not VIDEOS: shared_file('assets', 'videos')
    raw_j, smooth_j, drift, n = [], [], [], 0
    with MediaPipeDetector() as det:
        for v in VIDEOS:
            tr = track_faces(v, det)
            assert len(tr) == VideoReader(v).n_frames
            assert tr.coverage >= 0.99, (v.name, tr.coverage)
            raw = to_css(fill_missing(tr.raw))
            raw_j.append(jitter(raw)); smooth_j.append(jitter(tr.css))
            drift.extend(np.hypot(*(tr.css[:, :2] - raw[:, :2]).T) / raw[:, 2])
    ratios = np.array(raw_j) / np.array(smooth_j)
    print(f'jitter raw {np.mean(raw_j):.2f} px, smoothed {np.mean(smooth_j):.2f} px; ratio per clip min {ratios.min():.2f} '
          f'mean {ratios.mean():.2f}; drift {np.mean(drift):.4f} of the face size')
    assert ratios.min() >= 2 and np.mean(drift) <= 0.05


@pytest.mark.slow
@pytest.mark.parametrize('video', VIDEOS, ids=lambda p: p.name)
def test_encode_keeps_size_frames_fps_audio(video, tmp_path):
    rep = encode_video(video, tmp_path/'o', progress=False)
    src, out = VideoReader(video), VideoReader(tmp_path/'o'/'reconstruction.mp4')
    assert (out.width, out.height, out.n_frames, out.rate, out.has_audio) == (src.width, src.height, src.n_frames, src.rate, src.has_audio)
    assert sum(1 for _ in out) == src.n_frames == rep['frames'] == np.load(tmp_path/'o'/'latents.npy').shape[0]
    assert rep['face_track']['coverage'] >= 0.99 and rep['audio'] == src.has_audio
    assert json.loads((tmp_path/'o'/'report.json').read_text())['frames'] == src.n_frames
