"""Draw the README's before/after picture from `v2s demo` (the real clip shipped in the package, age +20 and yaw +15°):
one frame of the source, of the default composite and of the pasted render (`--composite replace`), at the video's
full resolution, and below each its face region enlarged 2×.

Run by hand (`python tools/make_readme_picture.py`) when the default models or the composite change; writes
nbs/images/before_after.png.
"""
import tempfile
from pathlib import Path
import numpy as np
from PIL import Image, ImageDraw
from v2s_nb.pipeline import demo
from v2s_nb.core import DEFAULT_PROFILE
from v2s_nb.faces import FaceTrack
from v2s_nb.video import VideoReader

root = Path(__file__).resolve().parents[1]
tmp = Path(tempfile.mkdtemp())
demo(tmp/'c', progress=False)
demo(tmp/'r', progress=False, composite='replace')
t = 60
src = list(VideoReader(tmp/'c'/'input.mp4'))[t]
outs = [src, list(VideoReader(tmp/'c'/'edited.mp4'))[t], list(VideoReader(tmp/'r'/'edited.mp4'))[t]]
cx, cy, s = FaceTrack.load(tmp/'c'/'track.npz').css[t]
h = int(0.6 * s)
face = lambda f: np.asarray(Image.fromarray(f[int(cy) - h:int(cy) + h, int(cx) - h:int(cx) + h]).resize((4 * h, 4 * h), Image.LANCZOS))
labels = ['source (v2s demo, frame 60, 480x480)', "composite (default): age +20, yaw +15°", "replace (paste-back of the tuned 64 px render)"]
W, H, pad, gap = src.shape[1], src.shape[0], 22, 8
img = Image.new('RGB', (3 * (W + gap) - gap, pad + H + pad + 4 * h), 'white')
d = ImageDraw.Draw(img)
for k, (f, label) in enumerate(zip(outs, labels)):
    x = k * (W + gap)
    d.text((x + 4, 5), label, fill='black')
    img.paste(Image.fromarray(f), (x, pad))
    d.text((x + 4, pad + H + 5), 'face region, enlarged 2x', fill='black')
    img.paste(Image.fromarray(face(f)[:, :W]), (x, 2 * pad + H))
dst = root/'nbs'/'images'/'before_after.png'
img.save(dst, optimize=True)
print(f'{dst} ({dst.stat().st_size // 1024} KiB), profile {DEFAULT_PROFILE}')
