"""A GAN recipe for the mini generator, for a GPU machine (the shipped mini models come from tools/train_mini.py, on a CPU).

    python tools/train_mini_gan.py DATA.npy OUT_DIR --minutes 7

Times a few steps of each modulated-conv form first, then trains with the faster one for the time left and
exports the EMA generator (fp16) to OUT_DIR/generator.pt with a sample grid and the loss log.
"""
import argparse, json, sys, time
import torch
from v2s_nb.gan_training import GANTrainer, train_gan, load_face_array

ap = argparse.ArgumentParser()
ap.add_argument('data'); ap.add_argument('out'); ap.add_argument('--minutes', type=float, default=7)
ap.add_argument('--batch', type=int, default=128); ap.add_argument('--profile', default='mini')
a = ap.parse_args()
imgs = torch.from_numpy(load_face_array(a.data)[:a.batch].copy()).cuda().permute(0, 3, 1, 2).float() / 127.5 - 1
speed = {}
for fused in (False, True):
    tr = GANTrainer(a.profile, batch=a.batch, fused=fused, device='cuda')
    for i in range(25):
        if i == 5: torch.cuda.synchronize(); t0 = time.perf_counter()
        tr.step(imgs)
    torch.cuda.synchronize(); speed[fused] = (time.perf_counter() - t0) / 20
    print(f"fused={fused}: {1000 * speed[fused]:.1f} ms/step, {a.batch / speed[fused]:.0f} images/s", flush=True)
best = min(speed, key=speed.get)
tr = GANTrainer(a.profile, batch=a.batch, fused=best, device='cuda')
for _ in range(5): tr.step(imgs)
from torch.profiler import profile, ProfilerActivity
with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
    for _ in range(10): tr.step(imgs)
    torch.cuda.synchronize()
print(prof.key_averages().table(sort_by='cuda_time_total', row_limit=12, max_name_column_width=40), flush=True)
t0 = time.time()
tr = train_gan(a.data, a.out, profile=a.profile, steps=10_000_000, batch=a.batch, fused=best, ckpt_every=5000,
               sample_every=5000, time_limit=60 * a.minutes, device='cuda', progress=False)
el = time.time() - t0
print(json.dumps(dict(steps=tr.n_step, images=tr.n_step * a.batch, seconds=round(el), fused=best,
                      ms_per_step={str(k): round(1000 * v, 2) for k, v in speed.items()}, last=tr.log[-1] if tr.log else None)))
json.dump(tr.log, open(f'{a.out}/log.json', 'w'))
for name, m in (('G', tr.G), ('G_ema', tr.G_ema), ('D', tr.D)): torch.save(m.state_dict(), f'{a.out}/{name}.pt')   # < 16 MB each
