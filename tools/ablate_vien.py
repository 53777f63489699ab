"""The dense-mesh-loss ablation at mini scale: ViEN trained twice from the shipped mini FrEN and generator, with and
without the 3DDFA_V2 dense term (Eq. 4), same seed, same batches, same number of steps; then compared by
`v2s evaluate --ablation` on the unseen clips (the LM column is the one the dense term is for).

    python tools/ablate_vien.py OUT [--steps 683] [--faces WORK/faces64.npz]

OUT/dense/ and OUT/no_dense/ each get fren.pt (the shipped FrEN) and vien.pt, the layout `--ablation LABEL=DIR` reads;
OUT/ablation.json records steps, seconds and the final losses. 683 steps is what the shipped ViEN took in its
8 minutes (the recipe in tools/train_mini.py; the dense term joins half way). The faces come from `--faces` (made by
train_mini.py) or are prepared from ../shared into OUT/faces64.npz first. Each variant is skipped when its vien.pt is
there. Then, as the README's ablation command:

    v2s evaluate --videos unseen/ --out ablation_dense --methods vien --frames 48 \\
        --ablation "dense=OUT/dense" --ablation "no dense=OUT/no_dense" --weights ../shared/assets/3ddfa_v2:../shared/assets/bfm
"""
import argparse, json, time
from pathlib import Path
import torch
from v2s_nb.mini_data import FaceData, prepare_faces, shared_root
from v2s_nb.mini_editors import train_vien
from v2s_nb.stylegan import load_generator
from v2s_nb.encoders import load_encoders
from v2s_nb.face3d import load_face3d
from v2s_nb.losses import DenseMeshLoss

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('out'); ap.add_argument('--steps', type=int, default=683); ap.add_argument('--faces', default=None)
ap.add_argument('--batch', type=int, default=32)
a = ap.parse_args()
out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
shared = shared_root()
faces = Path(a.faces) if a.faces else out/'faces64.npz'
if not faces.is_file(): prepare_faces(faces, shared)
fd = FaceData(faces)
G = load_generator('mini')
fren, _ = load_encoders('mini', G)
dense = DenseMeshLoss(load_face3d('mb05', weights_dir=[shared/'3ddfa_v2', shared/'bfm']))
rec = json.loads((out/'ablation.json').read_text()) if (out/'ablation.json').is_file() else {}
for name, d in (('dense', dense), ('no_dense', None)):
    dst = out/name
    if (dst/'vien.pt').is_file(): print(f'{name}: done already'); continue
    dst.mkdir(exist_ok=True)
    t0 = time.time()
    vien, log = train_vien(G, fren, fd, dst, steps=a.steps, batch=a.batch, dense=d, seed=0)
    torch.save({'model': fren.state_dict(), 'profile': 'mini'}, dst/'fren.pt')
    torch.save({'model': vien.state_dict(), 'profile': 'mini'}, dst/'vien.pt')
    tail = log[-50:]
    rec[name] = dict(steps=len(log), seconds=round(time.time() - t0, 1), final_rec=sum(l['rec'] for l in tail) / len(tail),
                     final_loss=sum(l['loss'] for l in tail) / len(tail))
    (out/'ablation.json').write_text(json.dumps(rec, indent=1))
    print(name, rec[name], flush=True)
