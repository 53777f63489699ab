"""Where the adversarial fine-tune stands, on held-out photos: the Fréchet distance of G([z]) in MobileFaceNet's
embedding (1,000 faces against the held-out photos), and FrEN's reconstructions' PSNR and identity cosine (600
photos), for the shipped generator and for the checkpoint's G and EMA generator; writes the images an outside
face-recognition network can check (tools/external_check.py).

    python tools/check_gan.py WORK OUT [--state train_state/mini_gan.pt] [--fren WORK/fren.pt]

WORK holds faces64.npz (tools/train_mini.py makes it).
"""
import argparse, json
from pathlib import Path
import numpy as np, torch
from v2s_nb.core import batched, images_to_frames
from v2s_nb.stylegan import load_generator
from v2s_nb.encoders import load_encoders
from v2s_nb.mini_data import FaceData, shared_root
from v2s_nb.mini_gan import MiniGANTrainer
from v2s_nb.mini_ae import save_strip
from v2s_nb.mini import sample_faces
from v2s_nb.metrics import identity_net, fid_from_features, psnr, identity_similarity
from v2s_nb.edit.appearance import seeded_w

ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('work'); ap.add_argument('out'); ap.add_argument('--state', default='train_state/mini_gan.pt')
ap.add_argument('--fren', default=None, help="a re-fitted FrEN's state dict (tools/train_mini.py's WORK/fren.pt) to "
                "encode with, instead of the checkpoint's frozen one")
a = ap.parse_args()
out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
fd = FaceData(Path(a.work)/'faces64.npz')
idn = identity_net(path=shared_root()/'identity'/'foamliu_mobilefacenet.pt')
held = fd.select(('utkface', 'lfw'), 'held-out')
ev = np.random.default_rng(0).choice(held, 600, replace=False)
xs, _ = fd.batch(ev)
e_held = batched(idn, fd.batch(held)[0], 256).numpy()
np.save(out/'photos.npy', fd.images[ev[:200]])
shipped = load_generator('mini')
fren = load_encoders('mini', shipped)[0]
gens = {'shipped': (shipped, fren)}
if Path(a.state).is_file():
    tr = MiniGANTrainer.from_checkpoint(a.state)
    fren_c = tr.fren
    if a.fren:
        fren_c = load_encoders('mini', tr.G_ema)[0].float()
        fren_c.load_state_dict(torch.load(a.fren, map_location='cpu', weights_only=True))
        fren_c.eval()
    gens |= {'G': (tr.G.eval(), fren_c), 'ema': (tr.G_ema, fren_c)}
    print(f'checkpoint: {tr.n_step} steps, {tr.kimg:.1f} of {tr.cfg.kimg:g} kimg')
res = {}
for tag, (G, f) in gens.items():
    with torch.no_grad():
        fake = batched(G.render, seeded_w(G, 1000, 0)[:, None].expand(-1, G.n_latent, -1), 256)
        rec = batched(lambda x: G.render(f(x)), xs, 256)
    res[tag] = dict(frechet=fid_from_features(batched(idn, fake, 256).numpy(), e_held), psnr=float(psnr(rec, xs).mean()),
                    identity=identity_similarity(rec, idn, reference=xs)['to_input'])
    print(tag, json.dumps({k: round(v, 4) for k, v in res[tag].items()}), flush=True)
    np.save(out/f'recon_{tag}.npy', images_to_frames(rec[:200].clamp(-1, 1)))
    np.save(out/f'fake_{tag}.npy', images_to_frames(fake[:300].clamp(-1, 1)))
    save_strip(xs[:16], rec[:16], *sample_faces(G, 32).split(16), path=out/f'{tag}.png')
(out/'check.json').write_text(json.dumps(res, indent=1))
