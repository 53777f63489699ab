"""StyleGAN2 against rosinality's reference: the golden 64 px fixture and the 1024/256 state-dict layouts."""
import json
import pytest, torch
from conftest import shared_file
from v2s_nb.stylegan import Generator


@pytest.fixture(scope='module')
def golden():
    return torch.load(shared_file('fixtures', 'stylegan2_rosinality_golden64.pt'), weights_only=True)


def _gen(golden, fused):
    c = golden['config']
    g = Generator(c['size'], c['style_dim'], c['n_mlp'], channels=c['channels'], blur_kernel=c['blur_kernel'], lr_mlp=c['lr_mlp']).eval()
    g.load_state_dict(golden['state_dict'], strict=True)
    return g.set_fused(fused)


@pytest.mark.parametrize('fused', [True, False], ids=['fused', 'per-sample'])
def test_golden_images(golden, fused):
    g, gd = _gen(golden, fused), golden
    with torch.no_grad():
        img, _ = g([gd['wplus']], input_is_latent=True, randomize_noise=False)
        assert (img - gd['img_wplus']).abs().max() < 1e-4
        img, lat = g([gd['z']], return_latents=True, randomize_noise=False)
        assert (img - gd['img_z']).abs().max() < 1e-4 and (lat - gd['lat_z']).abs().max() < 1e-4
        img, _ = g([gd['z']], truncation=0.7, truncation_latent=gd['mean_latent'], randomize_noise=False)
        assert (img - gd['img_trunc']).abs().max() < 1e-4
        img, lat = g([gd['z'], gd['z2']], inject_index=4, return_latents=True, randomize_noise=False)
        assert (img - gd['img_mix']).abs().max() < 1e-4 and (lat - gd['lat_mix']).abs().max() < 1e-4


def test_golden_stylespace_path(golden):
    "Rendering through explicitly computed StyleSpace S gives the reference image; editing S changes it"
    g, gd = _gen(golden, False), golden
    with torch.no_grad():
        S = g.styles(gd['wplus'])
        assert (g.synthesis(S, g.make_noise(randomize=False)) - gd['img_wplus']).abs().max() < 1e-4
        S[4] = S[4] * 1.5
        assert (g.synthesis(S, g.make_noise(randomize=False)) - gd['img_wplus']).abs().mean() > 1e-3


def test_golden_strict_load_rejects_wrong_layout(golden):
    sd = dict(golden['state_dict']); sd.pop('conv1.noise.weight')
    with pytest.raises(RuntimeError, match='conv1.noise.weight'): _gen({**golden, 'state_dict': sd}, False)


@pytest.mark.parametrize('key,size', [('1024_cm2', 1024), ('256_cm2', 256)])
def test_layouts(key, size):
    lay = json.loads(shared_file('fixtures', 'stylegan2_rosinality_layouts.json').read_text())['layouts'][key]
    with torch.device('meta'): g = Generator(size, 512, 8, channel_multiplier=2)
    ours = [(k, list(v.shape)) for k, v in g.state_dict().items()]
    assert ours == [(k, list(s)) for k, s in lay['params']]
    assert (g.n_latent, g.num_layers) == (lay['n_latent'], lay['num_layers'])
