"""Editors on real weights and bad input: the SSR-Net loader, and the one-line errors of the editing API."""
import numpy as np
import pytest
import torch
from conftest import shared_file
from v2s_nb.core import V2SError
from v2s_nb.edit.age import load_age_estimator, ssrnet_state_dict
from v2s_nb.edit.core import strength_curve


def test_ssrnet_loads_all_three_official_files_strictly():
    d = shared_file('assets', 'age')
    x = torch.rand(3, 3, 96, 96) * 2 - 1
    ages = [load_age_estimator(ds, weights_dir=d)(x) for ds in ('imdb', 'wiki', 'morph2')]
    assert all(a.shape == (3,) and ((a >= 0) & (a <= 101)).all() for a in ages)
    assert not torch.equal(ages[0], ages[1])          # three different trained nets


def test_ssrnet_refuses_a_file_that_is_not_ssrnet(tmp_path):
    import h5py
    bad = tmp_path/'other.h5'
    with h5py.File(bad, 'w') as f: f.create_dataset('x', data=np.zeros(3))
    with pytest.raises(V2SError, match='no layer'): ssrnet_state_dict(bad)
    txt = tmp_path/'notes.h5'; txt.write_text('not hdf5')
    with pytest.raises(V2SError, match='not a readable HDF5 file'): ssrnet_state_dict(txt)


def test_missing_age_weights_name_the_file_and_url(tmp_path, monkeypatch):
    monkeypatch.setenv('V2S_CACHE', str(tmp_path))
    with pytest.raises(V2SError, match='ssrnet_age_wiki.h5.*github.com/shamangary'):
        load_age_estimator('wiki', weights_dir=tmp_path)


def test_keyframes_from_json_like_input():
    # keyframes as they arrive from a JSON edit spec: string frame numbers
    assert strength_curve({'0': 0, '10': 1}, [5]).item() == pytest.approx(0.5)
    with pytest.raises(V2SError, match='number or keyframes'): strength_curve({'a': 1}, [0])
