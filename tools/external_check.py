"""A check by a face-recognition network that is not the project's own: dlib's HOG face detector and its 128-D ResNet
face descriptor (the PyPI packages `dlib-bin` and `face_recognition_models`, CC0 models; not project dependencies,
so run this with a Python that has them, e.g. a separate venv).

    python tools/external_check.py OUT [TAG ...]

OUT is what tools/check_gan.py wrote. For each TAG (default: shipped, G, ema): the share of the random faces
`fake_TAG.npy` in which dlib finds a face (upscaled to 256 px), and for the reconstructions `recon_TAG.npy` of the
photos `photos.npy` the share dlib calls the same person (descriptor distance < 0.6, its usual threshold) and the
mean distance, each measured in the photo's detected box.
"""
import json, sys
import numpy as np, dlib, face_recognition_models as frm
from PIL import Image

det = dlib.get_frontal_face_detector()
shape = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
rec = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
up = lambda a: np.asarray(Image.fromarray(a).resize((256, 256), Image.BICUBIC))

def descriptor(img, box=None):
    if box is None:
        found = det(img, 0)
        if not len(found): return None, None
        box = max(found, key=lambda r: r.area())
    return np.array(rec.compute_face_descriptor(img, shape(img, box))), box

out, tags = sys.argv[1], sys.argv[2:] or ['shipped', 'G', 'ema']
photos, res = np.load(f'{out}/photos.npy'), {}
for tag in tags:
    fakes, recons = np.load(f'{out}/fake_{tag}.npy'), np.load(f'{out}/recon_{tag}.npy')
    found = np.mean([descriptor(up(f))[0] is not None for f in fakes])
    dist = []
    for p, r in zip(photos, recons):
        dp, box = descriptor(up(p))
        if dp is not None: dist.append(np.linalg.norm(dp - descriptor(up(r), box)[0]))
    dist = np.array(dist)
    res[tag] = dict(faces_found=float(found), same_person=float((dist < 0.6).mean()), distance=float(dist.mean()), n=len(dist))
    print(tag, json.dumps({k: round(v, 3) for k, v in res[tag].items()}), flush=True)
with open(f'{out}/external.json', 'w') as f: json.dump(res, f, indent=1)
