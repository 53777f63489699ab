"""3DDFA_V2 with the real mb05 weights and the rebuilt no-neck BFM, checked on real faces against an independent source."""
import glob, warnings
import numpy as np, pytest, torch
from conftest import shared_file, SHARED
from v2s_nb.core import frames_to_images
from v2s_nb.face3d import load_face3d, roi_box_from_bbox, MobileNetV1, tddfa_state_dict
from v2s_nb.weights import load_checkpoint

# iBUG-68 index -> mediapipe FaceMesh index, for points both define the same way
PAIRS = [(36, 33), (39, 133), (42, 362), (45, 263), (30, 4), (48, 61), (54, 291), (51, 0), (57, 17), (8, 152)]
N_FACES = 20


@pytest.fixture(scope='module')
def face3d():
    shared_file('assets', '3ddfa_v2', 'mb05_120x120.pth'); shared_file('assets', 'bfm', 'w_shp_sim.npy')
    return load_face3d('mb05', weights_dir=[SHARED/'assets'/'3ddfa_v2', SHARED/'assets'/'bfm'])


@pytest.fixture(scope='module')
def faces():
    "(RGB image, mediapipe detection box, mediapipe FaceMesh 468 points) for real photos"
    mp = pytest.importorskip('mediapipe'); cv2 = pytest.importorskip('cv2')
    files = sorted(glob.glob(str(shared_file('assets', 'faces', 'deepface_tests')/'img*.jpg')))[:N_FACES]
    det = mp.solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
    mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1)
    out = []
    for f in files:
        img = cv2.cvtColor(cv2.imread(f), cv2.COLOR_BGR2RGB); h, w = img.shape[:2]
        r, m = det.process(img), mesh.process(img)
        if not r.detections or not m.multi_face_landmarks: continue
        bb = max(r.detections, key=lambda d: d.location_data.relative_bounding_box.width).location_data.relative_bounding_box
        box = np.array([bb.xmin * w, bb.ymin * h, (bb.xmin + bb.width) * w, (bb.ymin + bb.height) * h], dtype=np.float32)
        lm = np.array([[p.x * w, p.y * h] for p in m.multi_face_landmarks[0].landmark])
        out.append((f, img, box, lm))
    assert len(out) >= 15, 'mediapipe found too few faces'
    return out


def _run(f3d, img, box):
    with torch.no_grad(): return f3d(frames_to_images(img), roi_box_from_bbox(torch.from_numpy(box))[None])


def test_checkpoint_loads_strictly():
    sd = tddfa_state_dict(load_checkpoint(shared_file('assets', '3ddfa_v2', 'mb05_120x120.pth')))
    MobileNetV1(0.5).load_state_dict(sd, strict=True)
    with pytest.raises(RuntimeError): MobileNetV1(1.0).load_state_dict(sd, strict=True)


def test_bfm_rebuilt(face3d):
    assert face3d.bfm.n_vertices == 38365 and face3d.bfm.tri.shape == (76073, 3) and face3d.bfm.keypoints.shape == (68,)
    assert int(face3d.bfm.tri.max()) == 38365 - 1


def test_keypoints_inside_face_box(face3d, faces):
    for f, img, box, _ in faces:
        kp = _run(face3d, img, box)['keypoints'][0, :, :2].numpy()
        w, h = box[2] - box[0], box[3] - box[1]
        inside = (kp[:, 0] >= box[0] - 0.1 * w) & (kp[:, 0] <= box[2] + 0.1 * w) & (kp[:, 1] >= box[1] - 0.1 * h) & (kp[:, 1] <= box[3] + 0.1 * h)
        assert inside.all(), f'{f}: {(~inside).sum()} keypoints outside the (10%-padded) face box'


def test_keypoints_agree_with_facemesh(face3d, faces):
    errs = []
    for f, img, box, lm in faces:
        kp = _run(face3d, img, box)['keypoints'][0, :, :2].numpy()
        iod = np.linalg.norm(lm[33] - lm[263])
        errs.append(np.mean([np.linalg.norm(kp[a] - lm[b]) for a, b in PAIRS]) / iod)
    print(f'3DDFA vs FaceMesh: mean {np.mean(errs):.3f}, max {np.max(errs):.3f} of the inter-ocular distance over {len(errs)} faces')
    assert np.mean(errs) < 0.10


def test_mirroring_negates_yaw(face3d, faces):
    for f, img, box, _ in faces:
        w = img.shape[1]
        yaw = _run(face3d, img, box)['angles'][0, 0].item()
        yaw_m = _run(face3d, img[:, ::-1].copy(), np.array([w - box[2], box[1], w - box[0], box[3]], dtype=np.float32))['angles'][0, 0].item()
        assert abs(yaw + yaw_m) <= 3.0, f'{f}: yaw {yaw:.1f} mirrored {yaw_m:.1f}'
        if abs(yaw) > 3: assert np.sign(yaw) != np.sign(yaw_m), f'{f}: yaw {yaw:.1f} mirrored {yaw_m:.1f}'


def test_gradients_reach_the_image(face3d, faces):
    _, img, box, _ = faces[0]
    x = frames_to_images(img).requires_grad_(True)
    out = face3d(x, roi_box_from_bbox(torch.from_numpy(box))[None])
    out['vertices'].square().mean().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in face3d.parameters())
