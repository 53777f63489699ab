"""Metrics against independent references that need files or packages the notebook does not assume."""
import numpy as np
import pytest
import torch
from conftest import shared_file
from v2s_nb.metrics import MobileFaceNet, identity_net, identity_similarity, load_landmarker
from v2s_nb.weights import MissingWeightsError


def test_mobilefacenet_matches_the_onnx_export():
    "Our MobileFaceNet with foamliu's weights gives the embeddings the official ONNX export gives under onnxruntime"
    ort = pytest.importorskip('onnxruntime')
    net = identity_net(path=shared_file('assets', 'identity', 'foamliu_mobilefacenet.pt'))
    sess = ort.InferenceSession(str(shared_file('assets', 'identity', 'foamliu_MobileFaceNet.onnx')))
    x = torch.randn(3, 3, 112, 112, generator=torch.Generator().manual_seed(0))
    ref = np.concatenate([sess.run(None, {sess.get_inputs()[0].name: x[i:i + 1].numpy()})[0] for i in range(3)])
    with torch.no_grad(): ours = net.embed(x).numpy()
    assert np.abs(ours - ref).max() < 1e-4 * np.abs(ref).max()


def test_mobilefacenet_refuses_other_weights():
    from v2s_nb.core import V2SError
    with pytest.raises(V2SError, match='not MobileFaceNet weights'): MobileFaceNet({'conv1.0.weight': torch.zeros(1)})


def test_identity_similarity_of_a_still_video_is_one():
    torch.manual_seed(0)
    net = MobileFaceNet()
    still = torch.rand(1, 3, 64, 64).mul(2).sub(1).repeat(4, 1, 1, 1)
    s = identity_similarity(still, net, reference=still)
    assert all(abs(v - 1) < 1e-5 for v in s.values()) and set(s) == {'neighbour', 'first', 'to_input'}


def test_landmarker_without_any_weights_names_both(tmp_path, monkeypatch):
    monkeypatch.setenv('V2S_CACHE', str(tmp_path)); monkeypatch.delenv('V2S_WEIGHTS', raising=False)
    with pytest.raises(MissingWeightsError, match='neither was found') as e: load_landmarker(weights_dir=tmp_path)
    msg = str(e.value)     # 3DDFA_V2's mb05 ships in the package; what is missing for its landmarks is the BFM
    assert 'fan-2d' in msg and ('tddfa' in msg or 'u_shp.npy' in msg) and '\n' not in msg
