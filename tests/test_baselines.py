"""pSp / e4e layouts against the official checkpoints' key names and shapes, and their loaders' errors."""
import hashlib, json
import pytest
import torch
from conftest import SHARED
from v2s_nb.baselines import STYLE_ENCODERS, load_style_encoder, style_encoder_config
from v2s_nb.core import V2SError
from v2s_nb.weights import MissingWeightsError

# sha256 of the sorted "key:shape" lines of the encoder part of psp_ffhq_encode.pt and e4e_ffhq_encode.pt
# (equal: both are 50-layer IR-SE with 18 GradualStyleBlocks), taken from ../shared/fixtures/psp_e4e_encoder_layouts.json
OFFICIAL_DIGEST = 'eeeaf76acb658377a3c81ccc7408f2ec54acf206b1054759e3af28417a70db05'
# a few entries spelled out, so a mismatch is readable
OFFICIAL_SOME = {'input_layer.0.weight': (64, 3, 3, 3), 'body.0.res_layer.5.fc1.weight': (4, 64, 1, 1),
                 'body.3.shortcut_layer.0.weight': (128, 64, 1, 1), 'body.23.res_layer.5.fc2.weight': (512, 32, 1, 1),
                 'styles.0.convs.6.weight': (512, 512, 3, 3), 'styles.6.convs.8.bias': (512,),
                 'styles.17.convs.10.weight': (512, 512, 3, 3), 'styles.17.linear.weight': (512, 512),
                 'latlayer1.weight': (512, 256, 1, 1), 'latlayer2.weight': (512, 128, 1, 1)}


@pytest.mark.parametrize('kind', ['psp', 'e4e'])
def test_layout_matches_the_official_checkpoints(kind):
    sd = STYLE_ENCODERS[kind](style_encoder_config('paper')).state_dict()
    shapes = {k: tuple(v.shape) for k, v in sd.items()}
    assert len(shapes) == 621 and all(shapes[k] == s for k, s in OFFICIAL_SOME.items())
    assert 'styles.18.linear.weight' not in shapes and 'body.24.res_layer.0.weight' not in shapes
    lines = '\n'.join(f'{k}:{s}' for k, s in sorted(shapes.items()))
    assert hashlib.sha256(lines.encode()).hexdigest() == OFFICIAL_DIGEST


def test_digest_is_the_fixtures():
    f = SHARED/'fixtures'/'psp_e4e_encoder_layouts.json'
    if not f.exists(): pytest.skip(f'{f} is not available')
    for name, lay in json.loads(f.read_text())['layouts'].items():
        lines = '\n'.join(f'{k}:{tuple(s)}' for k, s in sorted(lay['params']))
        assert hashlib.sha256(lines.encode()).hexdigest() == OFFICIAL_DIGEST, name


def test_pretrained_without_the_file_says_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv('V2S_CACHE', str(tmp_path))
    with pytest.raises(MissingWeightsError, match='psp_ffhq_encode.pt') as e: load_style_encoder('psp', 'tiny', pretrained=True)
    assert 'drive.google.com' in str(e.value)


def test_a_checkpoint_of_another_size_is_refused(tmp_path):
    f = tmp_path/'psp.pt'
    torch.save({'state_dict': {'encoder.' + k: v for k, v in STYLE_ENCODERS['psp'](style_encoder_config('tiny')).state_dict().items()}}, f)
    with pytest.raises(V2SError, match="not a psp encoder for profile 'mini'"): load_style_encoder('psp', 'mini', path=f)
    assert load_style_encoder('psp', 'tiny', path=f).cfg.style_dim == 64
