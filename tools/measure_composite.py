"""Measure the composite against the pasted render (issue: the person's own face) on the unseen clips, at full resolution,
through `v2s edit` (the codec included): identity cosine source↔output (MobileFaceNet on 112² face crops of the frames),
face-box sharpness (variance of the Laplacian, output / source), no-edit face-box PSNR, yaw change (3DDFA_V2 mb05 on the
output frames, edit − no edit), SSR-Net age change, TC of the output / TC of the source, seconds per stage; for the
render pasted back, the composite, and the composite on a generator tuned on the clip (16d, the default for mini).

    python tools/measure_composite.py [--out build/composite] [--frames 40]

Writes OUT/composite.json and OUT/composite.md; the README's table is its markdown.
"""
import argparse, json, time
from pathlib import Path
import numpy as np, cv2, torch
from v2s_nb.core import shared_path, frames_to_images
from v2s_nb.faces import FaceTrack, crop_face
from v2s_nb.video import VideoReader
from v2s_nb.pipeline import edit_video
from v2s_nb.face3d import load_face3d
from v2s_nb.metrics import identity_net, identity_embeddings, temporal_consistency
from v2s_nb.edit.age import load_age_estimator
from v2s_nb.mini_data import EVAL_CLIPS

SPECS = {'none': {}, 'age +20': {'age': 20}, 'yaw +15': {'yaw': 15}}
MODES = {'replace': dict(composite='replace', tune=0), 'composite': dict(composite='composite', tune=0),
         'composite + tune': dict(composite='composite', tune=None)}   # tune=None: the profile's default tuning

def crops(frames, track, ts, size, scale):
    return frames_to_images(np.stack([crop_face(f, track.affine(t, size, scale), size) for f, t in zip(frames, ts)]))

def face_box(f, css):
    cx, cy, s = css; h = s / 2
    return f[int(cy - h):int(cy + h), int(cx - h):int(cx + h)]

def sharpness(f, css): return cv2.Laplacian(cv2.cvtColor(face_box(f, css), cv2.COLOR_RGB2GRAY), cv2.CV_64F).var()

def psnr(a, b, css):
    e = ((face_box(a, css).astype(float) - face_box(b, css)) ** 2).mean()
    return 10 * np.log10(255 ** 2 / max(e, 1e-10))

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--out', default='build/composite'); ap.add_argument('--frames', type=int, default=40)
    a = ap.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    assets = shared_path('assets')
    W = [assets/'identity', assets/'age']
    f3d, idn, age = load_face3d('mb05', dense=False), identity_net(weights_dir=W), load_age_estimator(weights_dir=W)
    rows = []
    for clip in EVAL_CLIPS:
        video = assets/'videos'/f'{clip}.mp4'
        src_frames = list(VideoReader(video)); T = len(src_frames)
        ts = np.linspace(0, T - 1, a.frames).round().astype(int)
        chunk = list(range(T // 2, min(T, T // 2 + 32)))
        for mode in MODES:
            job = out/f"{clip}-{mode.replace(' + ', '-')}"
            base = None
            for name, spec in SPECS.items():
                t0 = time.perf_counter()
                rep = edit_video(video, job, spec, progress=False, **MODES[mode])
                wall = time.perf_counter() - t0
                track = FaceTrack.load(job/'track.npz')
                res = list(VideoReader(job/('edited.mp4' if spec else 'reconstruction.mp4')))
                src = [src_frames[t] for t in ts]; o = [res[t] for t in ts]
                e_src, e_out = (identity_embeddings(crops(x, track, ts, 112, 1.2), idn) for x in (src, o))
                with torch.no_grad():
                    yaw = float(f3d(crops(o, track, ts, 256, 1.3))['angles'][:, 0].mean())
                    years = float(age(crops(o, track, ts, 128, 1.6)).mean())
                sc, oc = (crops([x[t] for t in chunk], track, chunk, 128, 1.3) for x in (src_frames, res))
                row = dict(clip=clip, mode=mode, edit=name, identity=float((e_src * e_out).sum(1).mean()),
                           sharpness=float(np.mean([sharpness(f, track.css[t]) for f, t in zip(o, ts)]) /
                                           np.mean([sharpness(f, track.css[t]) for f, t in zip(src, ts)])),
                           psnr=float(np.mean([psnr(x, y, track.css[t]) for x, y, t in zip(o, src, ts)])),
                           yaw=yaw, age=years, tc_ratio=temporal_consistency(oc, reference=sc) / temporal_consistency(sc, reference=sc),
                           frames=T, size=list(src_frames[0].shape[:2]), seconds=round(wall, 2),
                           stages={k: v.get('seconds') for k, v in rep['stages'].items()})
                if base is None: base = row
                row['yaw_change'], row['age_change'] = yaw - base['yaw'], years - base['age']
                rows.append(row); print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}, flush=True)
    (out/'composite.json').write_text(json.dumps(rows, indent=1))
    lines = ['| mode | edit | identity ↑ | sharpness ↑ | face PSNR (dB) | yaw change (°) | age change (y) | TC / source ↓ |',
             '|---|---|---|---|---|---|---|---|']
    for mode in MODES:
        for name in SPECS:
            r = [x for x in rows if x['mode'] == mode and x['edit'] == name]
            m = lambda k: np.mean([x[k] for x in r])
            lines.append(f"| {mode} | {name} | {m('identity'):.3f} | {m('sharpness'):.2f} | {m('psnr'):.1f} | "
                         f"{m('yaw_change'):+.1f} | {m('age_change'):+.1f} | {m('tc_ratio'):.3f} |")
    (out/'composite.md').write_text('\n'.join(lines) + '\n'); print('\n'.join(lines))

if __name__ == '__main__': main()
