"""The shipped `mini` models: present, checked, strict to load, and showing faces (reconstruction bar on held-out photos)."""
import csv, shutil
from dataclasses import replace
import numpy as np
import pytest
import torch
from v2s_nb import weights as W
from v2s_nb.core import DEFAULT_PROFILE, get_profile, frames_to_images
from v2s_nb.stylegan import load_generator
from v2s_nb.encoders import load_encoders
from v2s_nb.edit.spec import load_edit_models
from v2s_nb.mini import MINI_DIR, sample_faces
from v2s_nb.mini_data import photo_crop, box_masks, masked_psnr, _split_photos, prepare_faces, FaceData
from v2s_nb.mini_ae import reconstruct
from v2s_nb.mini_editors import train_vien
from conftest import shared_file, SHARED

ROLES = ('generator', 'fren', 'vien', 'pose', 'age')


@pytest.fixture(scope='module')
def mini():
    G = load_generator('mini'); fren, vien = load_encoders('mini', G)
    return G, fren, vien


def test_mini_is_the_default_and_ships_checked():
    assert DEFAULT_PROFILE == 'mini' and not get_profile().random_weights
    total = 0
    for role in ROLES:
        e = W.REGISTRY[f'v2s-mini-{role}']
        assert e.sha256 and e.size, f'{e.name} has no checksum in the manifest'
        p = W.resolve(e.name)
        assert p.parent == W.PACKAGE_WEIGHTS and W.sha256sum(p) == e.sha256 and p.stat().st_size == e.size
        total += e.size
    assert total <= 25 * 2**20, f'the mini models take {total / 2**20:.1f} MB (limit 25)'
    assert (MINI_DIR/'MODEL_CARD.md').is_file()


def test_shipped_assets_are_checked_licensed_and_small(monkeypatch):
    "3DDFA_V2 mb05 and its statistics, MobileFaceNet resolve from the package (checksummed), with their licences; all assets <= 25 MB"
    monkeypatch.delenv('V2S_WEIGHTS', raising=False)
    assets = W.PACKAGE_WEIGHTS.parent
    for name in ('tddfa-mb05', 'tddfa-param-mean-std'):
        p = W.resolve(name, allow_download=False)
        assert p.parent == assets/'face3d' and W.sha256sum(p) == W.REGISTRY[name].sha256
    assert 'MIT License' in (assets/'face3d'/'3DDFA_V2_LICENSE').read_text()
    import v2s_nb.metrics                                             # registers MobileFaceNet
    p = W.resolve('mobilefacenet', allow_download=False)
    assert p.parent == assets/'identity' and W.sha256sum(p) == W.REGISTRY['mobilefacenet'].sha256
    assert 'Apache License' in (assets/'identity'/'MobileFaceNet_LICENSE').read_text()
    assert 'MIT License' in (assets/'demo'/'LivePortrait_LICENSE').read_text()
    card = (MINI_DIR/'MODEL_CARD.md').read_text()
    assert all(f in card for f in ('mb05_120x120.pth', 'liveportrait_d18_4s.mp4', 'mobilefacenet.pt'))
    total = sum(f.stat().st_size for f in assets.rglob('*') if f.is_file())
    assert total <= 25 * 2**20, f'the package assets take {total / 2**20:.1f} MB (limit 25)'


def test_damaged_file_is_refused(tmp_path):
    e = W.REGISTRY['v2s-mini-age']
    bad = tmp_path/e.filename; shutil.copy(W.resolve(e.name), bad)
    with open(bad, 'r+b') as f: f.seek(100); b = f.read(1); f.seek(100); f.write(bytes([b[0] ^ 0xFF]))
    with pytest.raises(W.MissingWeightsError, match='damaged'): W.check_shipped(e, bad)
    assert W.check_shipped(e, W.resolve(e.name)) == W.resolve(e.name)


def test_strict_loading_and_editors(mini):
    G, fren, vien = mini
    assert G.latent_avg.shape == (G.style_dim,) and torch.isfinite(G.latent_avg).all()
    assert torch.equal(fren.latent_avg, G.latent_avg.to(fren.latent_avg))      # the encoders predict offsets from the generator's mean
    models = load_edit_models('mini', G)
    assert models['age'].shape == (G.n_latent, G.style_dim) and models['age'].abs().sum() > 0
    x = torch.zeros(2, 62); x[1, 50] = 0.2                                    # a rotation entry (scale 1)
    d = models['pose'](x)
    assert d[0].abs().max() == 0 and d[1].abs().max() > 0                     # no change asked, none given
    with pytest.raises(Exception, match='tiny'): load_encoders('tiny', load_generator('tiny'), fren_path=W.resolve('v2s-mini-fren'))


def test_samples_are_faces(mini):
    "MediaPipe finds a face in nearly every random sample of G([z]), far more often than in a random generator's output"
    pytest.importorskip('mediapipe')
    from v2s_nb.faces import MediaPipeDetector
    from v2s_nb.core import images_to_frames, resize
    G = mini[0]
    imgs = images_to_frames(resize(sample_faces(G, 32, seed=7), 192))
    rand = images_to_frames(resize(sample_faces(load_generator('tiny'), 32, seed=7), 192))
    pad = lambda f: np.pad(f, ((32, 32), (32, 32), (0, 0)), mode='edge')
    with MediaPipeDetector() as det:
        found = np.mean([len(det(pad(f))) > 0 for f in imgs]); found_rand = np.mean([len(det(pad(f))) > 0 for f in rand])
    assert found >= 0.8 and found >= found_rand + 0.4, (found, found_rand)     # blobs fool the detector now and then


@pytest.mark.slow
def test_reconstruction_of_held_out_photos(mini):
    "FrEN + G on 24 held-out photos (LFW people and UTKFace photos never trained on), cropped the pipeline's way"
    pytest.importorskip('mediapipe')
    from PIL import Image
    from v2s_nb.faces import MediaPipeDetector
    fdir = shared_file('assets', 'face_datasets')
    lfw = list(csv.DictReader(open(fdir/'lfw_identities.csv'))); utk = list(csv.DictReader(open(fdir/'utkface_labels.csv')))
    held = [('lfw', r) for r, h in zip(lfw, _split_photos(lfw, [r['person'] for r in lfw], 0.10)) if h][::50][:12]
    held += [('utkface', r) for r, h in zip(utk, _split_photos(utk)) if h][::80][:12]
    with MediaPipeDetector() as det:
        crops = [photo_crop(np.asarray(Image.open(fdir/s/r['file']).convert('RGB')), det) for s, r in held]
    crops = [c for c in crops if c is not None]
    assert len(crops) >= 20
    x = frames_to_images(np.stack([c for c, _ in crops])); m = box_masks(np.stack([b for _, b in crops]), 64)
    G, fren, _ = mini
    p = masked_psnr(reconstruct(G, fren, x), x, m).mean().item()
    p_mean = masked_psnr(G.render(G.latent_avg.expand(len(x), G.n_latent, -1).contiguous()), x, m).mean().item()
    assert p >= 19.5 and p > p_mean + 3, (p, p_mean)                        # far better than the average face


@pytest.mark.slow
def test_prepare_faces_small(tmp_path):
    "The data step on a spread of 30 photos per set and one clip: framing, masks, splits"
    pytest.importorskip('mediapipe')
    shared_file('assets', 'face_datasets')
    clip = shared_file('assets', 'videos', 'liveportrait_d0.mp4')
    fd = FaceData(prepare_faces(tmp_path/'f.npz', SHARED/'assets', max_photos=30, clips=[clip], progress=False))
    assert fd.images.shape[1:] == (64, 64, 3) and fd.meta['scale'] == get_profile('mini').crop_scale
    photos = fd.select(('utkface', 'lfw'))
    assert len(photos) >= 55 and (fd.valid[photos, 2] - fd.valid[photos, 0]).min() >= 40     # most of each crop is real photo
    clip_idx = fd.select('clip')
    assert (fd.valid[clip_idx] == [0, 0, 64, 64]).all()
    t = fd.frame[clip_idx]; cut = int(round(len(t) * 0.8))
    assert (fd.split[clip_idx][t < cut] == 0).all() and (fd.split[clip_idx][t >= cut] == 1).all()
    assert len(fd.pairs('train')) == cut - 1
    # ViEN training on it, counted in steps (the dense-loss ablation's budget): exactly that many, then frozen
    G = load_generator('mini'); fren, _ = load_encoders('mini', G)
    vien, log = train_vien(G, fren, fd, tmp_path, steps=3, batch=4, progress=False)
    assert [l['step'] for l in log] == [1, 2, 3] and {l['stage'] for l in log} == {1} and not vien.training
