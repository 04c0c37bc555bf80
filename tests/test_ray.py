"""The Ray extraction engine: on a local 2-worker Ray, the same shards as the local engine, row for row; an unreachable
--address is one clear error line and writes nothing. Skipped only where ray is not installed (pip install -e '.[ray]')."""
import os
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from wordscrunch.attention import extract, load_attention, states_folder
from wordscrunch.cli import main
from wordscrunch.testing import run_from_glosses

GLOSSES = {
    "king": ["a male sovereign; ruler of a kingdom", "a competitor who holds a preeminent position"],
    "queen": ["a female sovereign ruler", "the wife or widow of a king"],
    "bank": ["a financial institution that accepts deposits and channels the money into lending activities",
             "sloping land (especially the slope beside a body of water)"],
    "apple": ["fruit with red or yellow or green skin and sweet to tart crisp whitish flesh"],
    "dog": ["a member of the genus Canis that has been domesticated by man since prehistoric times"],
    "the": ["of the and a"],                                   # no content word: no attention row, but a state
}
KW = dict(poolings=[("all", "mean"), ("last", "mean")], states=True, chunk_size=3, batch_size=2, progress=False)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=200 * 2**20, log_to_driver=False,
             logging_level="ERROR")
    yield
    ray.shutdown()


def shard_names(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("shard-"))


def test_ray_equals_local(tmp_path, local_ray):
    a, b = run_from_glosses(tmp_path/"local", GLOSSES), run_from_glosses(tmp_path/"ray", GLOSSES)
    ka = extract(a, **KW)
    kb = extract(b, engine="ray", workers=2, **KW)
    assert ka == kb
    for k in ka:
        assert shard_names(a.attention/k) == shard_names(b.attention/k) == [
            f"shard-0000{i}.{x}" for i in range(3) for x in ("json", "parquet")]
        x, y = load_attention(a, k), load_attention(b, k)
        assert x.desc_id.tolist() == y.desc_id.tolist() and x.word_id.tolist() == y.word_id.tolist()
        assert [list(c) for c in x.ctx_ids] == [list(c) for c in y.ctx_ids]
        for u, v in zip(x.weights, y.weights): np.testing.assert_allclose(u, v, atol=1e-6)
        np.testing.assert_allclose(x.strength, y.strength, atol=1e-6)
    (sa,), (sb,) = list(states_folder(a).iterdir()), list(states_folder(b).iterdir())
    assert sa.name == sb.name
    x, y = load_attention(a, sa.name, states=True), load_attention(b, sb.name, states=True)
    assert x.desc_id.tolist() == y.desc_id.tolist() == list(range(9))
    np.testing.assert_allclose(np.stack(x.state), np.stack(y.state), atol=1e-5)


def test_unreachable_address(tmp_path, capsys):
    run = run_from_glosses(tmp_path/"run", GLOSSES)
    before = sorted(p.name for p in run.root.iterdir())
    with pytest.raises(SystemExit) as e:
        main(["extract", "--out", str(run.root), "--engine", "ray", "--address", "127.0.0.1:1"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach a Ray cluster at '127.0.0.1:1'" in err[0], err
    assert sorted(p.name for p in run.root.iterdir()) == before        # no attention/, no states/: nothing written
