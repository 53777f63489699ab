"""The recipe of the `mini` models on a 2-core CPU, step by step as in nbs/16a1_mini_data … 16a5_mini (model card:
v2s_nb/assets/mini/MODEL_CARD.md).

    python tools/train_mini.py WORK [--start committed] [--gan-minutes 100] [--export]

Steps, each saved in WORK and skipped when it is there:
1. faces64.npz (prepare_faces, 16a1) from ../shared/assets;
2. the starting generator and FrEN: `--start committed` (default) takes step 2's result, train_state/autoencoder/
   (the models shipped before the fine-tune; their figures are train_state/trials.json's 'autoencoder models');
   `--start autoencoder` trains them (16a2; --ae-minutes of step time, resumed from WORK/ae/ae.ckpt) and fits the
   mapping network to them;
3. the adversarial fine-tune (16a3) in stretches of --gan-minutes: its one resume checkpoint is --gan-state
   (train_state/mini_gan.pt, committed), so the next stretch can run on another machine from the repository alone.
   While the fine-tune is unfinished the script stops after the stretch: commit the checkpoint and run it again;
4. FrEN re-fitted to the fine-tuned generator (--fren-steps, with pSp's identity term at --fren-lam-id), the mapping
   network re-fitted to its codes, ViEN, the age direction and the pose MLP (16a4);
5. the figures (16a5) in WORK/figures.json; --export writes the five fp16 files into v2s_nb/assets/mini.
`--checker-only` stops after step 1: it measures the age checker on real held-out photos (no model involved) and
writes that figure into the package manifest.

History: the first shipped models (now train_state/autoencoder/) came from --start autoencoder with --ae-minutes 80,
then 130 (a warm restart), --vien-minutes 8 --pose-iters 1200, without step 3.
"""
import argparse, dataclasses, json, time
from pathlib import Path
import torch
from v2s_nb.mini_data import prepare_faces, FaceData, shared_root
from v2s_nb.mini_ae import train_autoencoder, save_strip
from v2s_nb.mini_gan import train_gan_stretch, GANConfig
from v2s_nb.mini_editors import (encode_photos, fit_mapping, centre_fren, train_vien, age_direction_from_labels,
                                 pose_training_pairs, age_checker_sensitivity)
from v2s_nb.mini import mini_figures, export_mini, sample_faces, MINI_DIR
from v2s_nb.stylegan import load_generator
from v2s_nb.encoders import ViEN, load_encoders
from v2s_nb.baselines import train_inverter
from v2s_nb.face3d import load_face3d
from v2s_nb.losses import DenseMeshLoss
from v2s_nb.edit.pose import train_pose_editor, feature_scale, PoseMLP
from v2s_nb.edit.age import load_age_estimator
from v2s_nb.metrics import identity_net
from v2s_nb.core import atomic_path

ap = argparse.ArgumentParser()
ap.add_argument('work'); ap.add_argument('--start', choices=('committed', 'autoencoder'), default='committed')
ap.add_argument('--ae-minutes', type=float, default=130)
ap.add_argument('--gan-minutes', type=float, default=100); ap.add_argument('--gan-kimg', type=float, default=240)
ap.add_argument('--gan-fakes', choices=('both', 'random'), default='random', help="what D judges (16a3's run 3: random)")
ap.add_argument('--gan-disc', choices=('stylegan2', 'projected'), default='projected',
                help="D: StyleGAN2's, or heads on frozen RetinaFace features (16a3's run 4: projected, R1 off)")
ap.add_argument('--gan-stop-kimg', type=float, default=None, help='end the fine-tune here instead of at its kimg')
ap.add_argument('--gan-state', default='train_state/mini_gan.pt')
ap.add_argument('--fren-steps', type=int, default=1500)
ap.add_argument('--fren-lam-id', type=float, default=0.1,
                help="weight of pSp's identity term (MobileFaceNet) in FrEN's re-fit (16a3's trial: 0.1); 0: none")
ap.add_argument('--vien-minutes', type=float, default=8); ap.add_argument('--pose-iters', type=int, default=1200)
ap.add_argument('--max-photos', type=int, default=None)
ap.add_argument('--export', action='store_true'); ap.add_argument('--dest', default=None)
ap.add_argument('--checker-only', action='store_true',
                help="only measure the age checker on the held-out photos (`age_checker_sensitivity`, no model in it) "
                     "and write it into the package manifest's figures")
a = ap.parse_args()
work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
shared = shared_root()
idn = identity_net(path=shared/'identity'/'foamliu_mobilefacenet.pt')
wdirs = [shared/'3ddfa_v2', shared/'bfm', shared/'age']
T = {}
def phase(name):
    T[name] = time.time(); print(f'== {name}', flush=True)

AE = Path('train_state/autoencoder')   # step 2's generator and FrEN, where the fine-tune starts

phase('data')
if not (work/'faces64.npz').is_file(): prepare_faces(work/'faces64.npz', shared, max_photos=a.max_photos)
fd = FaceData(work/'faces64.npz')
if a.checker_only:
    m = json.loads((MINI_DIR/'manifest.json').read_text())
    m['figures']['age_checker'] = age_checker_sensitivity(load_age_estimator(weights_dir=wdirs), fd)
    print(json.dumps(m['figures']['age_checker'], indent=1))
    with atomic_path(MINI_DIR/'manifest.json') as tmp: Path(tmp).write_text(json.dumps(m, indent=1))
    raise SystemExit

phase('start')
G = fren = None
if not Path(a.gan_state).is_file():
    if a.start == 'committed':
        G = load_generator('mini', path=AE/'v2s-mini-generator.pt').float()
        fren = load_encoders('mini', G, fren_path=AE/'v2s-mini-fren.pt')[0].float()
    else:
        tr = train_autoencoder(fd, work/'ae', minutes=a.ae_minutes)
        G, fren = tr.G.eval().requires_grad_(False), tr.fren.eval().requires_grad_(False)
        fit_mapping(G, encode_photos(fren, fd, fd.select(('utkface', 'lfw'), 'train'), progress=True).mean(1))
        centre_fren(fren, G.latent_avg)

phase('gan')
out = work/'gan'; out.mkdir(exist_ok=True)
show = fd.select(('utkface', 'lfw'), 'held-out')[::97][:16]
def pictures(tr):
    with torch.no_grad():
        x = fd.batch(show)[0]
        save_strip(x, tr.G_ema.render(tr.fren(x)), *sample_faces(tr.G_ema, 32).split(16), path=out/f'step_{tr.n_step:06d}.png')
cfg = GANConfig(kimg=a.gan_kimg, fakes=a.gan_fakes, disc=a.gan_disc, r1=0. if a.gan_disc == 'projected' else 1.)
gan = train_gan_stretch(fd, a.gan_state, a.gan_minutes, G, fren, cfg, features=shared/'detectors'/'retinaface'/
                        'mobilenet0.25_Final.pth', on_checkpoint=pictures, until_kimg=a.gan_stop_kimg)
if not gan.reached(a.gan_stop_kimg):
    raise SystemExit(f"the fine-tune is at {gan.kimg:.1f} of {gan.cfg.kimg:g} kimg: commit {a.gan_state} and run this again")
G = gan.G_ema.eval().requires_grad_(False); G.set_fused(None)

phase('fren')
if (work/'fren.pt').is_file():
    fren = load_encoders('mini', G)[0]; fren.load_state_dict(torch.load(work/'fren.pt', weights_only=True))
else:
    fren = gan.fren
    flog = train_inverter(fren, G, fd.sampler('train'), a.fren_steps, out=work/'fren', lr=1e-4, warmup=100,
                          id_net=idn if a.fren_lam_id else None, lam_id=a.fren_lam_id)
    torch.save(fren.state_dict(), work/'fren.pt')
fren.eval().requires_grad_(False)

phase('mapping')
if (work/'mapped.pt').is_file():
    sd = torch.load(work/'mapped.pt', weights_only=True)
    G.register_buffer('latent_avg', sd['latent_avg']); G.load_state_dict(sd['G']); fren.load_state_dict(sd['fren'])
else:
    map_log = fit_mapping(G, encode_photos(fren, fd, fd.select(('utkface', 'lfw'), 'train'), progress=True).mean(1))
    centre_fren(fren, G.latent_avg)
    torch.save(dict(G=G.state_dict(), fren=fren.state_dict(), latent_avg=G.latent_avg, log=map_log), work/'mapped.pt')

face3d = load_face3d('mb05', weights_dir=wdirs)
phase('vien')
if (work/'vien.pt').is_file():
    vien = ViEN.from_fren(fren, G.n_low); vien.load_state_dict(torch.load(work/'vien.pt', weights_only=True)['model'])
    vien.eval().requires_grad_(False)
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
figs = mini_figures(G, fren, vien, fd, idn, age_est, age_dir,
                    face3d, pose)
figs['age_checker'] = age_checker_sensitivity(age_est, fd)
before = json.loads(Path('train_state/trials.json').read_text())['autoencoder models (mini_figures)']['training'] \
    if a.start == 'committed' else {}
ae = {k: v for k, v in before.items() if k.startswith('ae_')}     # the autoencoder the committed start came from
figs['training'] = ae | dict(gan_steps=gan.n_step, gan_kimg=gan.kimg, gan_seconds=round(gan.elapsed), gan=dataclasses.asdict(gan.cfg),
                        data={s: {sp: int(len(fd.select(s, sp))) for sp in ('train', 'held-out', 'unseen')}
                              for s in ('utkface', 'lfw', 'clip')})
print(json.dumps(figs, indent=1), flush=True)
(work/'figures.json').write_text(json.dumps(figs, indent=1))
if a.export:
    print(export_mini(G, fren, vien, pose, age_dir, a.dest, meta=dict(figures=figs)))
