"""The recipe that trained the shipped `mini` models on a 2-core CPU (see nbs/16a_mini.ipynb and v2s_nb/assets/mini/MODEL_CARD.md).

    python tools/train_mini.py WORK [--ae-minutes 130] [--vien-minutes 8] [--pose-iters 1200] [--export]

The shipped models: --ae-minutes 80, then --ae-minutes 130 in a fresh WORK holding only faces64.npz and ae/ae.ckpt
(the autoencoder resumes with its cosine schedule stretched, a warm restart; every later phase runs again),
--vien-minutes 8 --pose-iters 1200 --export.

Each phase saves what it made in WORK and is skipped when it is there (the autoencoder resumes from its checkpoint):
faces64.npz (prepare_faces) -> ae.ckpt (train_autoencoder) -> mapped.pt (fit_mapping) -> vien.pt (train_vien)
-> editors.pt (age direction, pose MLP) -> figures.json; --export writes the five fp16 files into v2s_nb/assets/mini.
"""
import argparse, json, time
from pathlib import Path
import numpy as np, torch
from v2s_nb.mini import (prepare_faces, train_autoencoder, AutoencoderTrainer, FaceData, encode_photos, fit_mapping, centre_fren,
                         train_vien, age_direction_from_labels, age_checker_sensitivity, pose_training_pairs, mini_figures, export_mini, shared_root)
from v2s_nb.encoders import ViEN
from v2s_nb.face3d import load_face3d
from v2s_nb.losses import DenseMeshLoss
from v2s_nb.edit.pose import train_pose_editor, feature_scale, PoseMLP
from v2s_nb.edit.age import load_age_estimator
from v2s_nb.metrics import identity_net

ap = argparse.ArgumentParser()
ap.add_argument('work'); ap.add_argument('--ae-minutes', type=float, default=130); ap.add_argument('--vien-minutes', type=float, default=8)
ap.add_argument('--pose-iters', type=int, default=1200); ap.add_argument('--max-photos', type=int, default=None)
ap.add_argument('--export', action='store_true'); ap.add_argument('--dest', default=None)
a = ap.parse_args()
work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
shared = shared_root()
wdirs = [shared/'3ddfa_v2', shared/'bfm', shared/'age']
T = {}
def phase(name):
    T[name] = time.time(); print(f'== {name}', flush=True)

phase('data')
if not (work/'faces64.npz').is_file(): prepare_faces(work/'faces64.npz', shared, max_photos=a.max_photos)
fd = FaceData(work/'faces64.npz')

phase('autoencoder')
tr = train_autoencoder(fd, work/'ae', minutes=a.ae_minutes)
G, fren = tr.G.eval().requires_grad_(False), tr.fren.eval().requires_grad_(False)

phase('mapping')
if (work/'mapped.pt').is_file():
    sd = torch.load(work/'mapped.pt', weights_only=True)
    G.register_buffer('latent_avg', sd['latent_avg']); G.load_state_dict(sd['G']); fren.load_state_dict(sd['fren'])
else:
    W = encode_photos(fren, fd, fd.select(('utkface', 'lfw'), 'train'), progress=True)
    map_log = fit_mapping(G, W.mean(1))
    centre_fren(fren, G.latent_avg)
    torch.save(dict(G=G.state_dict(), fren=fren.state_dict(), latent_avg=G.latent_avg, log=map_log), work/'mapped.pt')

face3d = load_face3d('mb05', weights_dir=wdirs)
phase('vien')
if (work/'vien.pt').is_file():
    vien = ViEN.from_fren(fren, G.n_low); vien.load_state_dict(torch.load(work/'vien.pt', weights_only=True)['model']); vien.eval().requires_grad_(False)
else:
    vien, vlog = train_vien(G, fren, fd, work, minutes=a.vien_minutes, dense=DenseMeshLoss(face3d))
    torch.save(dict(model=vien.state_dict(), log=vlog), work/'vien.pt')

phase('editors')
if (work/'editors.pt').is_file():
    ed = torch.load(work/'editors.pt', weights_only=True)
    pose = PoseMLP(G.n_latent, G.style_dim, 512); pose.load_state_dict(ed['pose']); pose.eval(); age_dir = ed['age']
else:
    utk = fd.select('utkface', 'train')
    age_dir = age_direction_from_labels(encode_photos(fren, fd, utk), fd.age[utk])
    pairs = pose_training_pairs(fd, face3d, fren)
    print('pose pairs', len(pairs['x']), flush=True)
    pose, plog = train_pose_editor(G, pairs, scale=feature_scale(face3d), n_iters=a.pose_iters, bs=16, lr=3e-4)
    torch.save(dict(pose=pose.state_dict(), age=age_dir, pose_log=plog), work/'editors.pt')

phase('figures')
age_est = load_age_estimator(weights_dir=wdirs)
figs = mini_figures(G, fren, vien, fd, identity_net(path=shared/'identity'/'foamliu_mobilefacenet.pt'), age_est, age_dir, face3d, pose)
figs['age_checker'] = age_checker_sensitivity(age_est, fd)
figs['training'] = dict(ae_steps=tr.n_step, ae_images=tr.n_step * tr.batch, ae_seconds=round(tr.elapsed),
                        data={s: {sp: int(len(fd.select(s, sp))) for sp in ('train', 'held-out', 'unseen')} for s in ('utkface', 'lfw', 'clip')})
print(json.dumps(figs, indent=1), flush=True)
(work/'figures.json').write_text(json.dumps(figs, indent=1))
if a.export:
    print(export_mini(G, fren, vien, pose, age_dir, a.dest, meta=dict(figures=figs)))
