"""Run under `accelerate launch --cpu --num_processes 2`: a few FrEN iterations; each process saves its weights.

Used by tests/test_training_cli.py::test_two_processes_agree.
"""
import sys, os, torch
from pathlib import Path
from v2s_nb.stylegan import load_generator
from v2s_nb.training import train_encoder, SyntheticClips
out = Path(sys.argv[1])
G = load_generator('tiny')
tr, va = SyntheticClips(G, 2, 6, seed=3), SyntheticClips(G, 1, 6, seed=4)
learn = train_encoder('fren', tr, va, out, n_iters=3, n1=2, bs=2, G=G, device='cpu', progress=False)
rank = int(os.environ.get('RANK', 0))
torch.save(learn.model.state_dict(), out/f'rank{rank}.pt')
print(f'rank {rank} of {os.environ.get("WORLD_SIZE")}: done', flush=True)
