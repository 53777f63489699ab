"""NVIDIA network pickles read as data (issue 25): pickles built here with exactly the globals NVIDIA's files name,
from the golden fixture made with NVIDIA's own networks.py, converted and rendered against NVIDIA's images; and
hostile pickles refused (or, for `module_src`, never run), each proved by a marker file that must not appear."""
import dataclasses, io, os, pickle, subprocess, sys, time, types
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
import numpy as np, pytest, torch
from v2s_nb.core import V2SError, get_profile, shared_path
from v2s_nb.stylegan import generator_from_network_pickle, load_generator
from v2s_nb.weights import read_network_pickle, search_dirs, PickledModule

FIXTURE = shared_path('fixtures', 'stylegan2_ada_golden64.pt')
needs_fixture = pytest.mark.skipif(FIXTURE is None, reason='../shared/fixtures not present')
BUFFERS = {'resample_filter', 'noise_const', 'w_avg'}


# --- stand-ins for NVIDIA's modules, present only while a test pickle is written (the reader never imports them)
def _reconstruct_persistent_obj(meta): raise AssertionError('never called: only pickled by name')
class EasyDict(dict): pass
class Network:
    def __init__(self, state): self.state = state
    def __getstate__(self): return self.state

def as_global(obj, module, name):
    "Make pickle name `obj` as `module.name`"
    obj.__module__, obj.__qualname__ = module, name
    return obj

STAND_INS = [as_global(_reconstruct_persistent_obj, 'torch_utils.persistence', '_reconstruct_persistent_obj'),
             as_global(EasyDict, 'dnnlib.util', 'EasyDict'), as_global(Network, 'dnnlib.tflib.network', 'Network')]

@contextmanager
def nvidia_names(extra=()):
    "Register torch_utils.persistence, dnnlib.util, dnnlib.tflib.network so pickle can name our stand-ins as NVIDIA's globals"
    mods = {n: types.ModuleType(n) for n in ('torch_utils', 'torch_utils.persistence', 'dnnlib', 'dnnlib.util', 'dnnlib.tflib', 'dnnlib.tflib.network')}
    for obj in [*STAND_INS, *extra]: setattr(mods[obj.__module__], obj.__qualname__, obj)
    saved = {n: sys.modules.get(n) for n in mods}
    sys.modules.update(mods)
    try: yield
    finally:
        for n, m in saved.items():
            if m is None: sys.modules.pop(n, None)
            else: sys.modules[n] = m


class Persistent:
    "Pickles as NVIDIA's persistence decorator does: _reconstruct_persistent_obj(meta) with the module's __dict__ as state"
    def __init__(self, class_name, params=(), buffers=(), modules=(), init_kwargs=None, module_src='# networks.py source'):
        self.meta = dict(type='class', version=6, module_src=module_src, class_name=class_name, state=dict(
            _parameters=OrderedDict((k, torch.nn.Parameter(v.clone())) for k, v in params),
            _buffers=OrderedDict((k, v.clone()) for k, v in buffers), _modules=OrderedDict(modules),
            _non_persistent_buffers_set=set(), _forward_hooks=OrderedDict(), _backward_hooks=OrderedDict(),
            _init_args=(), _init_kwargs=EasyDict(init_kwargs or {}), training=False))
    def __reduce__(self): return (_reconstruct_persistent_obj, (self.meta,))


def _class_name(path):
    last = path[-1] if path else ''
    if not path: return 'Generator'
    if last in ('mapping', 'synthesis'): return {'mapping': 'MappingNetwork', 'synthesis': 'SynthesisNetwork'}[last]
    if last.startswith('fc') or last == 'affine': return 'FullyConnectedLayer'
    if last.startswith('b'): return 'SynthesisBlock'
    return {'conv0': 'SynthesisLayer', 'conv1': 'SynthesisLayer', 'torgb': 'ToRGBLayer'}[last]

def nvidia_tree(sd, init_kwargs, module_src='# networks.py source'):
    "The module tree of NVIDIA's Generator holding `sd` (NVIDIA naming), as persistent objects"
    tree = {}
    for k, v in sd.items():
        *path, leaf = k.split('.')
        node = tree
        for p in path: node = node.setdefault(p, {})
        node[leaf] = v
    def build(node, path):
        kids = [(k, build(v, path + [k])) for k, v in node.items() if isinstance(v, dict)]
        return Persistent(_class_name(path), [(k, v) for k, v in node.items() if torch.is_tensor(v) and k not in BUFFERS],
                          [(k, v) for k, v in node.items() if torch.is_tensor(v) and k in BUFFERS], kids,
                          init_kwargs if not path else None, module_src)
    return build(tree, [])

def golden():
    ada = torch.load(FIXTURE, weights_only=True); c = ada['config']
    kw = dict(z_dim=c['z_dim'], w_dim=c['w_dim'], c_dim=c['c_dim'], img_resolution=c['img_resolution'], img_channels=c['img_channels'],
              mapping_kwargs=EasyDict(num_layers=c['mapping_num_layers']),
              synthesis_kwargs=EasyDict(channel_base=c['channel_base'], channel_max=c['channel_max'], num_fp16_res=c['num_fp16_res'],
                                        conv_clamp=c['conv_clamp'], architecture=c['architecture']))
    return ada, kw

def write_pytorch_pickle(path, sd, kw, module_src='# networks.py source', protocol=4):
    with nvidia_names():
        tree = nvidia_tree(sd, kw, module_src)
        data = dict(G=tree, D=None, G_ema=tree, augment_pipe=None,
                    training_set_kwargs=EasyDict(resolution=np.int64(64), use_labels=False, max_size=np.int64(70000)))
        Path(path).write_bytes(pickle.dumps(data, protocol=protocol))
    return path

def write_tf_pickle(path, sd, c):
    "A TensorFlow-era (G, D, Gs) pickle of the same generator, its variables named and laid out as TF StyleGAN2 stores them"
    n = lambda t: t.detach().numpy().astype(np.float32)
    conv_tf = lambda w: n(w).transpose(2, 3, 1, 0)                         # [out,in,kh,kw] -> [kh,kw,in,out]
    mapping = [(f'Dense{i}/weight', n(sd[f'mapping.fc{i}.weight']).T) for i in range(c['mapping_num_layers'])]
    mapping += [(f'Dense{i}/bias', n(sd[f'mapping.fc{i}.bias'])) for i in range(c['mapping_num_layers'])]
    syn = [('4x4/Const/const', n(sd['synthesis.b4.const'])[None])]
    def layer(tf, nv, noise=None, flip=False):
        w = conv_tf(sd[f'{nv}.weight'])
        syn.extend([(f'{tf}/weight', np.ascontiguousarray(w[::-1, ::-1] if flip else w)), (f'{tf}/bias', n(sd[f'{nv}.bias'])),
                    (f'{tf}/mod_weight', n(sd[f'{nv}.affine.weight']).T), (f'{tf}/mod_bias', n(sd[f'{nv}.affine.bias']) - 1)])
        if noise is not None: syn.extend([(f'{tf}/noise_strength', n(sd[f'{nv}.noise_strength'])), (f'noise{noise}', n(sd[f'{nv}.noise_const'])[None, None])])
    layer('4x4/Conv', 'synthesis.b4.conv1', 0); layer('4x4/ToRGB', 'synthesis.b4.torgb')
    for l in range(3, int(np.log2(c['img_resolution'])) + 1):
        r = 2 ** l
        layer(f'{r}x{r}/Conv0_up', f'synthesis.b{r}.conv0', 2 * l - 5, flip=True); layer(f'{r}x{r}/Conv1', f'synthesis.b{r}.conv1', 2 * l - 4)
        layer(f'{r}x{r}/ToRGB', f'synthesis.b{r}.torgb')
    with nvidia_names():
        net = lambda name, variables, components=None, kwargs=None: Network(dict(
            version=4, name=name, static_kwargs=EasyDict(kwargs or {}), components=EasyDict(components or {}), variables=variables,
            build_module_src='# networks_stylegan2.py source', build_func_name=f'networks_stylegan2.{name}'))
        kw = dict(num_channels=3, resolution=c['img_resolution'], label_size=0, latent_size=c['z_dim'], dlatent_size=c['w_dim'],
                  fmap_base=c['channel_base'] // 2, fmap_max=c['channel_max'], mapping_layers=c['mapping_num_layers'], architecture='skip',
                  truncation_psi=0.5, resample_kernel=None)
        Gs = net('G', [('dlatent_avg', n(sd['mapping.w_avg']))], dict(mapping=net('G_mapping', mapping), synthesis=net('G_synthesis', syn)), kw)
        D = net('D', [('Output/weight', np.zeros((1, 1), np.float32))])
        Path(path).write_bytes(pickle.dumps((Gs, D, Gs), protocol=3))
    return path

def check_images(G, ada):
    with torch.no_grad():
        ws = G.get_latent(ada['z'])[:, None].expand(-1, G.n_latent, -1)
        imgs = dict(img_const=G.render(ws), img_trunc=G.render(G.latent_avg.lerp(ws, 0.7)), img_wplus=G.render(ada['wplus']),
                    img_nonoise=G.synthesis(G.styles(ada['wplus']), [torch.zeros_like(x) for x in G.make_noise(False)]))
    err = {k: float((v - ada[k]).abs().max()) for k, v in imgs.items()}
    print('max |Δ| per reference image:', {k: f'{v:.1e}' for k, v in err.items()})
    assert max(err.values()) < 1e-4, err


@needs_fixture
def test_pytorch_pickle_loads_and_matches_nvidia(tmp_path):
    ada, kw = golden()
    f = write_pytorch_pickle(tmp_path/'golden.pkl', ada['G_ema_state_dict'], kw)
    raw = f.read_bytes()
    for g in (b'torch_utils.persistence', b'_reconstruct_persistent_obj', b'_load_from_bytes', b'_rebuild_tensor_v2', b'_rebuild_parameter',
              b'dnnlib.util', b'EasyDict', b'collections', b'OrderedDict', b'numpy', b'scalar'):
        assert g in raw, g                                             # the layout's globals are all there
    t0 = time.perf_counter(); G, info = generator_from_network_pickle(f); dt = time.perf_counter() - t0
    print(f'fixture pickle: {len(raw) / 1e6:.1f} MB read and converted in {dt * 1000:.0f} ms')
    assert info == dict(conv_clamp=None, num_fp16_res=0, format='pytorch')
    assert torch.equal(G.latent_avg, ada['G_ema_state_dict']['mapping.w_avg'])
    check_images(G, ada)
    data = read_network_pickle(f)
    assert isinstance(data['G_ema'], PickledModule) and data['G_ema'].class_name == 'Generator' and data['D'] is None
    assert data['training_set_kwargs']['resolution'] == 64


@needs_fixture
def test_old_module_names(tmp_path):
    "Files written with numpy 1.x name numpy.core.multiarray (and torch 1.7-era Python wrote protocol 3, globals as text: renamed there)"
    ada, kw = golden()
    f = write_pytorch_pickle(tmp_path/'old.pkl', ada['G_ema_state_dict'], kw, protocol=3)
    raw = f.read_bytes()
    assert b'numpy._core.multiarray\nscalar' in raw
    f.write_bytes(raw.replace(b'numpy._core.multiarray\n', b'numpy.core.multiarray\n'))
    check_images(generator_from_network_pickle(f)[0], ada)


@needs_fixture
def test_tensorflow_pickle(tmp_path):
    ada, _ = golden()
    f = write_tf_pickle(tmp_path/'tf.pkl', ada['G_ema_state_dict'], ada['config'])
    G, info = generator_from_network_pickle(f)
    assert info['format'] == 'tensorflow'
    check_images(G, ada)


@needs_fixture
def test_load_generator_takes_the_pickle(tmp_path):
    "`load_generator` (and so `--weights FILE`) routes a .pkl through the reader, and refuses one that is not the profile's generator"
    ada, kw = golden()
    f = write_pytorch_pickle(tmp_path/'ffhq.pkl', ada['G_ema_state_dict'], kw)
    c = ada['config']
    prof = dataclasses.replace(get_profile('tiny'), name='golden', weights={'generator': 'stylegan2-ada-ffhq-nvidia'},
                               generator=dataclasses.replace(get_profile('tiny').generator, style_dim=c['w_dim'], n_mlp=2, channels=c['channels']))
    check_images(load_generator(prof, weights_dir=f), ada)
    assert search_dirs(str(f))[0] == tmp_path                              # the other checkpoints are looked for beside it
    check_images(load_generator(prof, path=f), ada)
    with pytest.raises(V2SError, match="it is not the 'paper' profile's generator") as ei: load_generator('paper', weights_dir=str(f))
    assert 'size 64 (needs 1024)' in str(ei.value) and '\n' not in str(ei.value)


@needs_fixture
def test_module_src_is_never_run(tmp_path):
    "NVIDIA's loader executes module_src; ours keeps it out: the payload would create a file, and the file never appears"
    ada, kw = golden()
    marker = tmp_path/'module_src_ran'
    src = f"open({str(marker)!r}, 'w').write('pwned')\nclass Generator: pass\n"
    f = write_pytorch_pickle(tmp_path/'src.pkl', ada['G_ema_state_dict'], kw, module_src=src)
    assert src.encode() in f.read_bytes()
    G, _ = generator_from_network_pickle(f)
    assert not marker.exists()
    check_images(G, ada)


class _Reduce:
    def __init__(self, fn, *args): self.fn, self.args = fn, args
    def __reduce__(self): return (self.fn, self.args)

NVIDIA_HELPERS = [as_global(lambda *a, **k: None, 'dnnlib.util', 'call_func_by_name'),      # real dnnlib/torch_utils functions
                  as_global(lambda *a, **k: None, 'torch_utils.persistence', 'persistent_class')]  # that are not data

def _hostile(marker):
    "Objects whose unpickling would create `marker` (or import code) if their global were honoured"
    touch = f'touch {marker}'
    return [_Reduce(os.system, touch), _Reduce(exec, f"open({str(marker)!r}, 'w')"), _Reduce(eval, f"open({str(marker)!r}, 'w')"),
            _Reduce(subprocess.call, ['touch', str(marker)]), _Reduce(open, str(marker), 'w'), torch.nn.Linear(2, 2),
            _Reduce(torch.load, str(marker)), _Reduce(NVIDIA_HELPERS[0], 'os.system', touch), _Reduce(NVIDIA_HELPERS[1], touch)]

def test_hostile_pickles_refused(tmp_path):
    marker = tmp_path/'ran'
    cases = _hostile(marker)
    for i, obj in enumerate(cases):
        fn = obj.fn if isinstance(obj, _Reduce) else type(obj)
        glob = f'{fn.__module__}.{fn.__qualname__}'
        f = tmp_path/f'hostile{i}.pkl'
        with nvidia_names(NVIDIA_HELPERS): f.write_bytes(pickle.dumps({'G_ema': obj}, protocol=4))
        label = glob
        with pytest.raises(V2SError) as ei: read_network_pickle(f)
        msg = str(ei.value)
        assert f'refusing to unpickle {glob}' in msg and str(f) in msg and '\n' not in msg, (label, msg)
        assert not marker.exists(), label
        print('refused:', msg.split(': refusing to unpickle ')[1].split(':')[0])


def test_hostile_nested_stream_refused(tmp_path):
    "A tensor's nested torch.save stream is read with weights_only=True: objects hidden there are refused too"
    marker = tmp_path/'ran'
    class Storage:                                                   # pickles as torch.storage._load_from_bytes(<hostile stream>)
        def __reduce__(self):
            b = io.BytesIO(); torch.save(_Reduce(os.system, f'touch {marker}'), b, _use_new_zipfile_serialization=False)
            return (torch.storage._load_from_bytes, (b.getvalue(),))
    f = tmp_path/'nested.pkl'; f.write_bytes(pickle.dumps({'G_ema': Storage()}, protocol=4))
    with pytest.raises(V2SError, match='nested tensor stream holds more than tensors'): read_network_pickle(f)
    assert not marker.exists()


def test_damaged_and_wrong_pickles(tmp_path):
    f = tmp_path/'cut.pkl'; f.write_bytes(pickle.dumps({'G_ema': torch.zeros(3)}, protocol=4)[:40])
    with pytest.raises(V2SError, match='not a readable network pickle'): read_network_pickle(f)
    g = tmp_path/'other.pkl'; g.write_bytes(pickle.dumps({'weights': torch.zeros(3)}, protocol=4))
    with pytest.raises(V2SError, match="neither 'G_ema'"): generator_from_network_pickle(g)
