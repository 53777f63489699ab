"""Face tracking on every real clip: coverage, jitter, drift (`v2s edit` on every clip: test_edit_cli)."""
import numpy as np, pytest
from conftest import SHARED, shared_file
from v2s_nb.video import VideoReader
from v2s_nb.faces import MediaPipeDetector, track_faces, to_css, fill_missing, jitter

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


