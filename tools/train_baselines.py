"""The encoders the mini-scale evaluation needs beyond the shipped models, each trained against the frozen shipped mini
generator on the same faces (see "Training a baseline against a frozen generator" in nbs/11_baselines.ipynb and nbs/16_restore.ipynb):

    python tools/train_baselines.py OUT [--steps 1000] [--batch 32] [--faces WORK/faces64.npz] [--only psp,e4e]

- fren-same, psp, e4e, restyle-psp (restyle-e4e on request): from their seeded initialisation, the same loss,
  schedule, steps and batch for every design (Table 1 at equal budget, 12_evaluation);
- colorize, sr4: the shipped FrEN fine-tuned on grayscale / 4×-downscaled inputs against the clean faces
  (§4.6, 16_restore), with --restore-steps steps at half the learning rate.

OUT/<name>.pt holds each trained encoder in fp16 (the layout `v2s evaluate --baselines OUT` and
`restore.load_restorer` read) and OUT/trained.json its steps, seconds and losses. Each saves a checkpoint in
OUT/<name>/ every 100 steps and resumes from it (delete that folder when you are done), and is skipped when
OUT/<name>.pt is there. The faces come from `--faces` (made by tools/train_mini.py) or are prepared from ../shared
into OUT/faces64.npz first. The README's Table 1 command then reads OUT with --baselines.
"""
import argparse, json, time
from pathlib import Path
import torch
from v2s_nb.core import seeded, get_profile
from v2s_nb.mini_data import FaceData, prepare_faces, shared_root
from v2s_nb.mini import _half
from v2s_nb.stylegan import load_generator
from v2s_nb.encoders import build_encoders, load_encoders
from v2s_nb.baselines import StyleEncoder, ReStyle, style_encoder_config, train_inverter
from v2s_nb.restore import RESTORE_TASKS, degrade

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('out'); ap.add_argument('--steps', type=int, default=1000); ap.add_argument('--batch', type=int, default=32)
ap.add_argument('--restore-steps', type=int, default=400)
ap.add_argument('--faces', default=None); ap.add_argument('--only', default='fren-same,psp,e4e,restyle-psp,colorize,sr4')
a = ap.parse_args()
p = get_profile('mini')
G = load_generator(p); G.set_fused(False)
cfg = style_encoder_config(p)
build = {'fren-same': lambda: build_encoders(p, G.latent_avg)[0], 'psp': lambda: StyleEncoder('psp', cfg, G.latent_avg),
         'e4e': lambda: StyleEncoder('e4e', cfg, G.latent_avg), 'restyle-psp': lambda: ReStyle(G, 'psp', cfg, 5),
         'restyle-e4e': lambda: ReStyle(G, 'e4e', cfg, 5), **{t: lambda: load_encoders(p, G)[0] for t in RESTORE_TASKS}}
names = a.only.split(',')
if set(names) - set(build): raise SystemExit(f"--only: unknown {', '.join(sorted(set(names) - set(build)))}; choose from {', '.join(build)}")
out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
faces = Path(a.faces) if a.faces else out/'faces64.npz'
if not faces.is_file(): prepare_faces(faces, shared_root())
fd = FaceData(faces)
rec = json.loads((out/'trained.json').read_text()) if (out/'trained.json').is_file() else {}
for name in names:
    dst = out/f'{name}.pt'
    if dst.is_file(): print(f'{name}: done already'); continue
    with seeded(p.seed + 1): model = build[name]()
    restore = name in RESTORE_TASKS
    steps, kw = (a.restore_steps, dict(lr=2e-4, degrade=lambda x, t=name: degrade(x, t))) if restore else (a.steps, {})
    t0 = time.time()
    log = train_inverter(model, G, fd.sampler('train'), steps, out=out/name, batch=a.batch, seed=0, **kw)
    torch.save({'model': _half(model.state_dict()), 'profile': 'mini', 'steps': steps, 'batch': a.batch, 'init': 'shipped FrEN' if restore else 'seeded'}, dst)
    tail = log[-50:]
    rec[name] = dict(steps=len(log), batch=a.batch, seconds=round(time.time() - t0, 1), params=sum(q.numel() for q in model.parameters()),
                     first_rec=sum(l['rec'] for l in log[:50]) / min(50, len(log)), final_rec=sum(l['rec'] for l in tail) / len(tail))
    (out/'trained.json').write_text(json.dumps(rec, indent=1))
    print(name, rec[name], flush=True)
