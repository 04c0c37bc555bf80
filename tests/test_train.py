"Stage 3 (training) tests: properties, planted clusters, determinism, resume, bad input. Whole file < ~2 min."
import json
import numpy as np, pandas as pd, pytest, torch
import torch.nn.functional as F
from wordscrunch.data import WordscrunchError
from wordscrunch.init import sample_sphere, repel, sphere_stats
from wordscrunch import train as T
from wordscrunch.testing import synthetic_graph

G = synthetic_graph(seed=0)

def purity(E, labels, k=5):
    from sklearn.cluster import KMeans
    p = KMeans(k, n_init=10, random_state=0).fit(np.asarray(E)).labels_
    return sum(np.bincount(labels[p == c]).max() for c in np.unique(p)) / len(labels)

def small(**kw):
    base = dict(graph=G, dim=32, epochs=6, batch_size=64, eval_fn=None, select="last", progress=False)
    return T.train(**{**base, **kw})

@pytest.mark.parametrize("seed", range(40))
def test_gated_update_property(seed):
    g = torch.Generator().manual_seed(seed)
    B, d = 128, 24
    e = F.normalize(torch.randn(B, d, generator=g), dim=1)
    c = F.normalize(torch.randn(B, d, generator=g), dim=1) * torch.rand(B, 1, generator=g)
    m = T.GatedUpdate(d, hidden=16)
    with torch.no_grad():
        for p in m.parameters(): p.normal_(0, 1, generator=g)      # arbitrary, large MLP outputs and gates
        e2 = m(e, c, torch.rand(B, generator=g))
        assert ((c - e) * (e2 - e)).sum(1).min() >= -1e-6
        assert torch.allclose(e2.norm(dim=1), torch.ones(B), atol=1e-5)

def test_updates_during_training_satisfy_property():
    "Every gated update made by train() moves toward its context."
    gaps, orig = [], T.GatedUpdate.forward
    def spy(self, e, c, A):
        e2 = orig(self, e, c, A); gaps.append(((c - e) * (e2 - e)).sum(1).min().item()); return e2
    T.GatedUpdate.forward = spy
    try: small(mode="gated", epochs=3, agg="per-description")
    finally: T.GatedUpdate.forward = orig
    assert gaps and min(gaps) >= -1e-6

@pytest.mark.parametrize("mode", ["gated", "no-gate", "direct", "propagation", "uniform"])
def test_unit_norm(mode):
    r = small(mode=mode, epochs=3)
    assert torch.allclose(r.E.norm(dim=1), torch.ones(len(r.E)), atol=1e-5)

@pytest.mark.parametrize("mode,agg", [("gated", "mean"), ("propagation", "mean"), ("direct", "per-description")])
def test_planted_clusters(mode, agg):
    init = sample_sphere(G.n_vocab, 32, seed=0)
    assert purity(init, G.labels) < 0.5
    r = small(mode=mode, agg=agg, epochs=8)
    assert purity(r.E, G.labels) >= 0.9

def test_same_seed_same_vectors():
    "Two runs of every mode with the same seed give bit-identical tables (the README's tables are repeatable)."
    for mode in ["gated", "no-gate", "direct", "propagation", "uniform"]:
        a, b = small(mode=mode, seed=3), small(mode=mode, seed=3)
        assert torch.equal(a.E, b.E)
    assert not torch.equal(small(seed=3).E, small(seed=4).E)

@pytest.mark.parametrize("mode", ["gated", "direct"])
def test_lr_decay_changes_the_learned_modes_only(mode):
    assert not torch.equal(small(mode=mode, lr_decay="linear").E, small(mode=mode).E)
    assert torch.equal(small(mode="propagation", lr_decay="linear").E, small(mode="propagation").E)

@pytest.mark.parametrize("mode,lr_decay", [("gated", None), ("direct", None), ("direct", "linear")])
def test_resume_after_kill(tmp_path, mode, lr_decay):
    "A run killed mid-way and resumed gives the uninterrupted run's table, the step-size schedule included."
    ev = lambda E: {"dev_mean": float(E[:5, 0].sum())}
    run = lambda out, eval_fn: small(mode=mode, lr_decay=lr_decay, out=out, epochs=5, eval_fn=eval_fn, select="best",
                                     agg="per-description")
    full = run(tmp_path/"a", ev)
    def killer(E):
        killer.n += 1
        if killer.n == 4: raise KeyboardInterrupt   # killed during epoch 3's bookkeeping (epoch 0 is evaluated too)
        return ev(E)
    killer.n = 0
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path/"b", killer)
    done = sorted(p.name for p in (tmp_path/"b"/"checkpoints").glob("epoch-*.json"))
    assert done[-1] == "epoch-002.json"
    res = run(tmp_path/"b", ev)
    assert torch.equal(full.E, res.E) and full.epoch == res.epoch
    h = json.loads((tmp_path/"b"/"history.json").read_text())
    assert [x["epoch"] for x in h["history"]] == list(range(6))

def test_outputs(tmp_path):
    r = small(out=tmp_path, epochs=3)
    from safetensors.torch import load_file
    E = load_file(str(tmp_path/"vectors.safetensors"))["embeddings"]
    assert E.shape == (G.n_vocab, 32) and E.dtype == torch.float32 and torch.equal(E, r.E)
    from wordscrunch.data import load_vectors
    kv = load_vectors(tmp_path/"vectors.txt")
    assert kv.index_to_key == G.words and np.allclose(kv.vectors, E.numpy(), atol=1e-5)
    assert (tmp_path/"snapshots"/"epoch-000.safetensors").exists() and (tmp_path/"snapshots"/"epoch-003.safetensors").exists()
    with pytest.raises(WordscrunchError, match="other settings"):
        small(out=tmp_path, epochs=3, tau=0.5)

def test_bad_input():
    with pytest.raises(WordscrunchError, match="unknown mode"): small(mode="nope")
    with pytest.raises(WordscrunchError, match="unknown aggregation"): small(agg="nope")
    with pytest.raises(WordscrunchError, match="needs a run folder or a graph"): T.train()
    df = pd.DataFrame({"word_id": [0], "desc_id": [0], "ctx_ids": [np.array([1, 2], np.int32)],
                       "weights": [np.array([1.0], np.float32)], "strength": [0.5]})
    vocab = pd.DataFrame({"id": [0, 1, 2], "word": ["a", "b", "c"], "count": [1, 1, 1]})
    with pytest.raises(WordscrunchError, match="desc_id 0 has 2 ctx_ids but 1 weights"): T.graph_from_attention(df, vocab)
    with pytest.raises(WordscrunchError, match="columns"): T.graph_from_attention(df.drop(columns="strength"), vocab)
    with pytest.raises(WordscrunchError, match="vocab.parquet is missing"): T.graph_from_run("/nonexistent/run")

def test_dev_test_halves_partition_each_set():
    "The dev and test halves of WS353 and SimLex hold different pairs, together all of the set; MEN and SimVerb are dev only."
    from wordscrunch.benchmarks import benchmark_pairs, pair_path, read_pairs
    P = benchmark_pairs(0)
    for name, g in P.groupby("dataset"):
        full = read_pairs(pair_path(name))
        key = lambda d: set(zip(d.w1, d.w2, d.score))
        d, t = g[g.split == "dev"], g[g.split == "test"]
        assert key(d) | key(t) == key(full) and len(d) + len(t) == len(full)
        assert not key(d) & key(t) or name in ("men", "simverb")
        if name in ("men", "simverb"): assert len(t) == 0
        else: assert abs(len(d) - len(t)) <= 1

def test_main_and_ablation_configs_named_once(tmp_path):
    "The main model's settings go under config.json's `train`, each ablation's under `train:NAME` (no overwrite)."
    from wordscrunch.data import RunFolder, read_config
    run = RunFolder(tmp_path).ensure()
    base = T.TrainConfig(dim=16, epochs=2, batch_size=64, select="last")
    T._finish(run.root, run, base.resolved(), G, T.new_state(base.resolved(), G), 2, torch.zeros(G.n_vocab, 16))
    for n in ("agg-mean", "layers-last"):
        cfg = T.ablation_config(n, base).resolved()
        T._finish(T.model_dir(run, cfg), run, cfg, G, T.new_state(cfg, G), 2, torch.zeros(G.n_vocab, 16))
    c = read_config(run)
    assert c["train"]["name"] == "wordscrunch" and c["train"]["agg"] == "strength" and c["train"]["layers"] == "all"
    assert c["train:agg-mean"]["agg"] == "mean" and c["train:layers-last"]["layers"] == "last"

def test_repel_raises_min_angle():
    E = sample_sphere(600, 20, seed=0); R = repel(E, steps=5, seed=0)
    assert sphere_stats(R)["min_angle"] > sphere_stats(E)["min_angle"]
