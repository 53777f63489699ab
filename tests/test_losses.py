"""Losses with the real 3DDFA_V2 weights on a real face: zero/positive/gradient, and monotone sanity curves; the safe unpickler."""
import math, os, pickle
import numpy as np, pytest, torch
import torch.nn.functional as F
from conftest import shared_file, SHARED
from v2s_nb.core import frames_to_images, V2SError
from v2s_nb.face3d import load_face3d, roi_box_from_bbox
from v2s_nb.losses import DenseMeshLoss, LandmarkHeatmapLoss, l2_loss, Video2StyleGANLoss, STAGE2
from v2s_nb.weights import load_numpy_pickle


@pytest.fixture(scope='module')
def face_crop():
    "A 256² crop around a real face (3DDFA_V2's crop convention around mediapipe's detection box)"
    mp = pytest.importorskip('mediapipe'); cv2 = pytest.importorskip('cv2')
    img = cv2.cvtColor(cv2.imread(str(shared_file('assets', 'faces', 'deepface_tests', 'img1.jpg'))), cv2.COLOR_BGR2RGB)
    h, w = img.shape[:2]
    bb = mp.solutions.face_detection.FaceDetection(model_selection=1).process(img).detections[0].location_data.relative_bounding_box
    l, t, r, b = [int(v) for v in roi_box_from_bbox(torch.tensor([bb.xmin * w, bb.ymin * h, (bb.xmin + bb.width) * w, (bb.ymin + bb.height) * h]))]
    return F.interpolate(frames_to_images(img)[..., max(t, 0):b, max(l, 0):r], size=(256, 256), mode='bilinear', antialias=True)


@pytest.fixture(scope='module')
def dense():
    shared_file('assets', '3ddfa_v2', 'mb05_120x120.pth')
    return DenseMeshLoss(load_face3d('mb05', weights_dir=[SHARED/'assets'/'3ddfa_v2', SHARED/'assets'/'bfm']))


def warp(im, dx=0., deg=0.):
    a = math.radians(deg)
    th = torch.tensor([[math.cos(a), -math.sin(a), dx], [math.sin(a), math.cos(a), 0.]])[None]
    return F.grid_sample(im, F.affine_grid(th, im.shape, align_corners=False), padding_mode='border', align_corners=False)


def test_dense_loss_zero_positive_gradient(dense, face_crop):
    assert dense(face_crop, face_crop).item() < 1e-6
    y = warp(face_crop, dx=0.05).requires_grad_(True)
    v = dense(face_crop, y); assert v.item() > 0
    g, = torch.autograd.grad(v, y); assert g.abs().sum() > 0


@pytest.mark.parametrize('kind', ['shift', 'rotate'])
def test_losses_grow_monotonically_away_from_target(dense, face_crop, kind):
    torch.manual_seed(0)
    from face_alignment.models import FAN
    lm = LandmarkHeatmapLoss(FAN(4))   # random weights: the official 2DFAN4 file is not available offline
    with torch.no_grad():
        ys = [warp(face_crop, dx=0.04 * k) if kind == 'shift' else warp(face_crop, deg=6 * k) for k in range(5)]
        for name, fn in (('dense', dense), ('landmarks', lm), ('l2', l2_loss)):
            vals = [fn(face_crop, y).item() for y in ys]
            assert all(b > a for a, b in zip(vals, vals[1:])), f'{name} not increasing under {kind}: {vals}'


def test_total_stage2_uses_dense_term(dense, face_crop):
    total = Video2StyleGANLoss(STAGE2, dense=dense)
    y = warp(face_crop, dx=0.05)
    L = total(face_crop, y)
    assert set(total.last) == {'l2', 'dense'}
    assert torch.isclose(L, total.last['l2'] + 1e-4 * total.last['dense'])


class _Evil:
    def __reduce__(self): return (os.system, ('echo pwned > pwned.txt',))


def test_restricted_unpickler_refuses_code(tmp_path):
    with open(tmp_path/'evil.pkl', 'wb') as f: pickle.dump({'mean': _Evil()}, f)
    os.chdir(tmp_path)
    with pytest.raises(V2SError, match='refusing to unpickle'): load_numpy_pickle(tmp_path/'evil.pkl')
    assert not (tmp_path/'pwned.txt').exists()


def test_restricted_unpickler_reads_real_3ddfa_files():
    ms = load_numpy_pickle(shared_file('assets', '3ddfa_v2', 'param_mean_std_62d_120x120.pkl'))
    assert ms['mean'].shape == (62,) and ms['std'].shape == (62,)
    assert load_numpy_pickle(shared_file('assets', '3ddfa_v2', 'tri.pkl')).shape == (3, 76073)
