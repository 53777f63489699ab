"""The GPU figures in one prepared run: every encoder per frame, ViEN one stream and batched, 1024² renders at batch 1
and 16, the fast path against the plain one, end to end on a 512² clip, the CUDA-graph step against the eager one,
and a profile of whatever misses its goal. Every figure goes to one JSON, written after each stage (a run cut short
keeps what it measured), and the table is printed at the end.

    python tools/gpu_check.py --profile paper --device cuda --out gpu.json          # on the GPU (tools/gpu_check.sh)
    python tools/gpu_check.py --profile tiny --device cpu --out toy.json --toy      # the rehearsal, at toy sizes
"""
import argparse, copy, datetime, json, platform, sys, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))       # the working tree's v2s_nb, installed or not
from v2s_nb.core import get_profile, get_device
from v2s_nb.bench import bench_encoders, format_bench, bench_fast, format_fast, PeakMemory
from v2s_nb.fast import fast_path, PLAIN, StreamStep
from v2s_nb.encoders import build_encoders
from v2s_nb.metrics import psnr


@torch.no_grad()
def step_check(profile, device, frames:int=32) -> dict:
    "The fast path's per-frame ViEN step against the same step run eagerly (on a GPU: CUDA graph vs none; on a CPU: fast vs plain)"
    from v2s_nb.bench import _random_generator
    p, dev = get_profile(profile), get_device(device)
    G = _random_generator(p, dev)
    fren, vien = build_encoders(p, G.latent_avg)
    ref = dict(cuda_graph=False) if dev.type == 'cuda' else PLAIN
    steps = {'graph': StreamStep(copy.deepcopy(fren), copy.deepcopy(vien), fast_path(dev)),
             'eager': StreamStep(copy.deepcopy(fren), copy.deepcopy(vien), fast_path(dev, **ref))}
    torch.manual_seed(1)
    x = torch.rand(frames, 3, p.encoder.img_size, p.encoder.img_size, device=dev) * 2 - 1
    lat = {}
    for k, s in steps.items():
        w, out = None, []
        for t in range(frames): w = s.step(x[t:t + 1], w); out.append(w)
        lat[k] = torch.cat(out)
    img = {k: torch.cat([G.render(v[i:i + 4]).clamp(-1, 1) for i in range(0, frames, 4)]) for k, v in lat.items()}   # fp32 renders
    return dict(compared='CUDA graph vs eager (both on the fast path)' if dev.type == 'cuda' else 'fast vs plain (CPU: no graphs)',
                frames=frames, latent_max_diff=float((lat['graph'] - lat['eager']).abs().max()),
                render_psnr_db_min=float(psnr(img['graph'], img['eager']).min()))


def profile_table(profile, device, rows:int=15) -> dict:
    "torch.profiler's top operations for one ViEN step and one pSp frame (fast path), as text"
    from torch.profiler import profile as prof, ProfilerActivity
    from v2s_nb.baselines import StyleEncoder, style_encoder_config
    p, dev = get_profile(profile), get_device(device)
    fp = fast_path(dev, compile=False, cuda_graph=False)             # eager, so the table names the operations
    fren, vien = build_encoders(p)
    step = StreamStep(fren, vien, fp)
    psp = fp.prepare(StyleEncoder('psp', style_encoder_config(p)))
    x = torch.rand(1, 3, p.encoder.img_size, p.encoder.img_size, device=dev) * 2 - 1
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == 'cuda' else [])
    sort = 'cuda_time_total' if dev.type == 'cuda' else 'cpu_time_total'
    out = {}
    with torch.no_grad():
        w = step.step(x)
        for name, fn in (('vien_step', lambda: step.step(x, w)), ('psp_frame', lambda: psp(x))):
            for _ in range(3): fn()
            with prof(activities=acts) as pr:
                for _ in range(5): fn()
                if dev.type == 'cuda': torch.cuda.synchronize(dev)
            out[name] = pr.key_averages().table(sort_by=sort, row_limit=rows)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--profile', default='paper'); ap.add_argument('--device', default='cuda')
    ap.add_argument('--out', default='gpu_check.json')
    ap.add_argument('--toy', action='store_true', help='rehearsal sizes: few frames, streams and runs')
    a = ap.parse_args(argv)
    n = dict(runs=3, frames=4, streams=4, batches=(1, 2), e2e=8, check=6) if a.toy else \
        dict(runs=20, frames=64, streams=64, batches=(1, 16), e2e=128, check=32)
    dev = get_device(a.device)
    res = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'), command=' '.join(sys.argv),
               device=torch.cuda.get_device_name(dev) if dev.type == 'cuda' else platform.processor() or 'cpu',
               torch=torch.__version__, profile=a.profile, sizes={k: list(v) if isinstance(v, tuple) else v for k, v in n.items()},
               stages={})
    out = Path(a.out)
    def save(): out.write_text(json.dumps(res, indent=1, default=str))
    def stage(name, fn):
        t0 = time.perf_counter()
        with PeakMemory(dev) as mem:                                   # GPU allocator on CUDA, sampled RSS on a CPU
            try: r = fn()
            except Exception as e: r = dict(error=f'{type(e).__name__}: {e}')
        # bench_encoders measures each encoder with its own PeakMemory, which resets CUDA's peak: take its rows' peaks too
        inner = [v['peak_mb'] for v in r.get('rows', {}).values() if isinstance(v, dict) and 'peak_mb' in v]
        res['stages'][name] = dict(result=r, seconds=round(time.perf_counter() - t0, 1), peak_mb=round(max([mem.mb, *inner]), 1))
        save(); print(f'[{name}: {time.perf_counter() - t0:.0f} s]', flush=True)
        return r
    enc = stage('encoders', lambda: bench_encoders(a.profile, dev, runs=n['runs'], batch=1))
    fast = stage('fast_path', lambda: bench_fast(a.profile, dev, frames=n['frames'], streams=n['streams'], render_batch=n['batches'],
                                                 e2e_frames=n['e2e'], methods=('psp', 'e4e')))
    stage('graph_check', lambda: step_check(a.profile, dev, n['check']))
    ratio = (fast.get('vien_over') or {}).get('psp', 0.)
    res['goals'] = dict(psp_over_vien=ratio, psp_over_vien_goal=10., paper=5.6,
                        graph_psnr_ok=res['stages']['graph_check']['result'].get('render_psnr_db_min', 0) >= 40)
    if ratio < 10: stage('profile', lambda: profile_table(a.profile, dev))   # why the goal is missed, operation by operation
    save()
    print(f"{res['date']} {res['device']} torch {res['torch']}: {res['command']}")
    if 'rows' in enc: print(format_bench(enc))
    if 'rows' in fast: print(format_fast(fast))
    print('graph check:', res['stages']['graph_check']['result'])
    print('goals:', res['goals'])
    for k, v in res['stages'].items(): print(f"  {k}: {v['seconds']} s, peak memory above the stage's start {v['peak_mb']} MiB")
    return res


if __name__ == '__main__':
    main()
