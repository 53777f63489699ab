"""Draw the README's before/after picture: `v2s demo`'s input clip (made by the project), and the same frames after `edit_video`.

Run by hand (`python tools/make_readme_picture.py`) when the default profile changes; writes nbs/images/before_after.png.
"""
import sys, tempfile
from pathlib import Path
import numpy as np
from PIL import Image, ImageDraw
from v2s_nb.pipeline import demo
from v2s_nb.core import DEFAULT_PROFILE
from v2s_nb.video import VideoReader

root = Path(__file__).resolve().parents[1]
out = Path(tempfile.mkdtemp())
rep = demo(out, n_frames=48, progress=False)
before, after = list(VideoReader(out/'input.mp4')), list(VideoReader(out/'edited.mp4'))
idx = [0, 16, 32, 47]
half = lambda f: np.asarray(Image.fromarray(f).resize((f.shape[1] // 2, f.shape[0] // 2), Image.LANCZOS))
rows = [np.concatenate([half(before[i]) for i in idx], 1), np.concatenate([half(after[i]) for i in idx], 1)]
pad = 20
img = Image.new('RGB', (rows[0].shape[1], 2 * (rows[0].shape[0] + pad)), 'white')
d = ImageDraw.Draw(img)
labels = ['before: v2s demo\'s input clip (a face the mini generator renders), frames 0, 16, 32, 47',
          f"after: edited.mp4, age +20, yaw +10° (profile '{DEFAULT_PROFILE}'{', RANDOM weights: not a face yet' if rep['random_weights'] else ''})"]
for k, (row, label) in enumerate(zip(rows, labels)):
    y = k * (row.shape[0] + pad)
    d.text((6, y + 5), label, fill='black')
    img.paste(Image.fromarray(row), (0, y + pad))
dst = root/'nbs'/'images'/'before_after.png'
dst.parent.mkdir(exist_ok=True)
img.save(dst, optimize=True)
print(f'{dst} ({dst.stat().st_size // 1024} KiB)')
