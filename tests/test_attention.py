"Stage 1 (wordscrunch.attention): invariants, bad input, cache keys, sharding and resume, on the real MiniLM."
import json, os, random
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import torch

import wordscrunch.attention as att
from wordscrunch.attention import (extract, load_attention, load_model, word_spans, build_input, list_attention)
from wordscrunch.data import WordscrunchError, lemma, word_tokens, write_parquet
from wordscrunch.testing import run_from_glosses

torch.set_num_threads(2)

GLOSSES = {
    "king": ["a male sovereign; ruler of a kingdom", "a competitor who holds a preeminent position",
             "the kings of old ruled this kingdom and its king"],
    "queen": ["a female sovereign ruler", "the wife or widow of a king"],
    "bank": ["a financial institution that accepts deposits and channels the money into lending activities",
             "sloping land (especially the slope beside a body of water)"],
    "apple": ["fruit with red or yellow or green skin and sweet to tart crisp whitish flesh"],
    "dog": ["a member of the genus Canis that has been domesticated by man since prehistoric times"],
    "the": ["of the and a"],                                   # no content word left: skipped, counted
}


@pytest.fixture(scope="module")
def tm():
    return load_model()


@pytest.fixture
def run(tmp_path):
    return run_from_glosses(tmp_path/"run", GLOSSES)


def frames_identical(a, b):
    "Exact equality of two attention frames, down to the float bits."
    assert list(a.columns) == list(b.columns)
    for c in ["word_id", "desc_id", "strength"]:
        assert a[c].dtype == b[c].dtype and np.array_equal(a[c].to_numpy(), b[c].to_numpy()), c
    for c in ["ctx_ids", "weights"]:
        assert [len(x) for x in a[c]] == [len(x) for x in b[c]], c
        assert np.concatenate(list(a[c])).tobytes() == np.concatenate(list(b[c])).tobytes(), c


def test_invariants(run, tm):
    key = extract(run, model=tm, progress=False, chunk_size=3)
    df = load_attention(run)
    vocab = pd.read_parquet(run.vocab); desc = pd.read_parquet(run.descriptions)
    V = len(vocab); words = vocab.word.to_numpy()
    schema = pq.read_schema(next((run.attention/key).glob("shard-*.parquet")))
    assert str(schema.field("ctx_ids").type) == "list<element: int32>"
    assert str(schema.field("weights").type) == "list<element: float>"
    assert str(schema.field("strength").type) == "float" and str(schema.field("desc_id").type) == "int64"
    assert df.desc_id.is_monotonic_increasing and df.desc_id.is_unique
    assert len(df) == len(desc) - 1                           # only "of the and a" is skipped
    meta = json.loads((run.attention/key/"meta.json").read_text())
    assert meta["complete"] and meta["counts"]["kept"] == len(df) and meta["counts"]["no_content"] == 1
    byid = desc.set_index("desc_id")
    for r in df.itertuples():
        w = np.asarray(r.weights)
        assert (w >= 0).all() and abs(w.sum() - 1) < 1e-5
        assert 0 < r.strength <= 1
        assert all(0 <= c < V for c in r.ctx_ids) and len(set(r.ctx_ids)) == len(r.ctx_ids)
        assert r.word_id not in set(r.ctx_ids)
        head = byid.word[r.desc_id]
        assert words[r.word_id] == head
        assert lemma(head) not in {lemma(words[c]) for c in r.ctx_ids}     # "kings" is the target too
        assert not set(words[list(r.ctx_ids)]) & att.STOPWORDS
    # the gloss with "kings ... kingdom ... king": kingdom kept once, king/kings dropped
    row = df[df.desc_id == 2].iloc[0]
    assert sorted(words[list(row.ctx_ids)]) == ["kingdom", "old", "rule"]


def test_find_mode(run, tm):
    key = extract(run, model=tm, mode="find", progress=False)
    df = load_attention(run, mode="find")
    meta = json.loads((run.attention/key/"meta.json").read_text())
    # only "...of a king" (queen? no: headword queen absent), "the kings of old..." and "of the and a" hold their word
    assert meta["settings"]["template"] is None
    assert meta["counts"]["no_target"] == len(pd.read_parquet(run.descriptions)) - 2
    assert df.desc_id.tolist() == [2]                          # "of the and a" has the word but no content
    assert meta["counts"]["no_content"] == 1


def test_unknown_model(run, tmp_path):
    with pytest.raises(WordscrunchError, match="local folder with config.json"):
        load_model("no-such-org/no-such-model")
    with pytest.raises(WordscrunchError, match="cannot load model"):
        extract(run, model=str(tmp_path), progress=False)


def test_empty_description(run, tm):
    d = pd.read_parquet(run.descriptions)
    d.loc[3, "text"] = "   "
    write_parquet(d, run.descriptions)
    with pytest.raises(WordscrunchError, match=r"desc_id 3 \(word 'queen'\) has an empty description"):
        extract(run, model=tm, progress=False)
    assert not run.attention.exists()                          # nothing was started


def test_bad_settings(run, tm):
    for kw, msg in [({"layers": "first"}, "unknown layers"), ({"layers": "last:9"}, "between 1"),
                    ({"heads": "min"}, "unknown heads"), ({"mode": "guess"}, "unknown mode"),
                    ({"template": "{desc} is {word}"}, "bad template"), ({"max_length": 4096}, "max_length")]:
        with pytest.raises(WordscrunchError, match=msg):
            extract(run, model=tm, progress=False, **kw)


def test_overlong_truncated(run, tm):
    d = pd.read_parquet(run.descriptions)
    d.loc[0, "text"] = "a male sovereign " + " ".join(["ruler"] * 40) + " kingdom"
    write_parquet(d, run.descriptions)
    key = extract(run, model=tm, max_length=24, progress=False)
    meta = json.loads((run.attention/key/"meta.json").read_text())
    assert meta["counts"]["truncated"] >= 1 and meta["settings"]["max_length"] == 24
    df = load_attention(run, key)
    words = pd.read_parquet(run.vocab).word.to_numpy()
    row = df[df.desc_id == 0].iloc[0]
    assert set(words[list(row.ctx_ids)]) == {"male", "sovereign", "ruler"}    # "kingdom" was cut off
    assert abs(np.sum(row.weights) - 1) < 1e-5


def test_other_settings_not_reused(run, tm, tmp_path):
    k1 = extract(run, model=tm, progress=False)
    k2 = extract(run, model=tm, heads="max", progress=False)
    k3 = extract(run, model=tm, stopwords=False, progress=False)
    assert len({k1, k2, k3}) == 3 and len(list_attention(run)) == 3
    with pytest.raises(WordscrunchError, match="3 attention caches match"):
        load_attention(run)
    assert load_attention(run, heads="max", stopwords=True).equals(load_attention(run, k2))
    with pytest.raises(WordscrunchError, match="no attention cache matches"):
        load_attention(run, layers="rollout")
    assert extract(run, model=tm, heads="max", chunk_size=5, progress=False) == k2     # complete: reused as is
    # other data -> other key; the old cache is refused for the new data
    d = pd.read_parquet(run.descriptions); d.loc[0, "text"] = "a male monarch"
    write_parquet(d, run.descriptions)
    k4 = extract(run, model=tm, progress=False)
    assert k4 not in {k1, k2, k3}
    assert att.select_attention(run, heads="mean", stopwords=True) == k4                  # stale k1 is ignored
    with pytest.raises(WordscrunchError, match="other descriptions/vocab"):
        load_attention(run, k1)
    # a corrupted or tampered folder is refused, on load and on extract
    meta = json.loads((run.attention/k4/"meta.json").read_text())
    meta["settings"]["heads"] = "max"
    (run.attention/k4/"meta.json").write_text(json.dumps(meta))
    with pytest.raises(WordscrunchError, match="does not match its key"):
        load_attention(run, k4)
    with pytest.raises(WordscrunchError, match="other settings"):
        extract(run, model=tm, progress=False)
    (run.attention/k4/"meta.json").write_text("{not json")
    with pytest.raises(WordscrunchError, match="corrupted"):
        load_attention(run, k4)


def test_resume_identical(tmp_path, tm, monkeypatch):
    clean = run_from_glosses(tmp_path/"clean", GLOSSES)
    ref = load_attention(clean, extract(clean, model=tm, chunk_size=2, batch_size=2, progress=False))
    run = run_from_glosses(tmp_path/"killed", GLOSSES)
    real, calls = att._write_shard, []
    def dying(folder, chunk, *a, **k):
        if len(calls) == 2: raise KeyboardInterrupt("simulated kill")
        calls.append(chunk); real(folder, chunk, *a, **k)
    monkeypatch.setattr(att, "_write_shard", dying)
    with pytest.raises(KeyboardInterrupt):
        extract(run, model=tm, chunk_size=2, batch_size=2, progress=False)
    (folder,) = run.attention.iterdir()
    assert sorted(p.name for p in folder.glob("shard-*")) == [
        "shard-00000.json", "shard-00000.parquet", "shard-00001.json", "shard-00001.parquet"]
    assert not list(folder.glob(".*"))                           # no half-written file left
    with pytest.raises(WordscrunchError, match="incomplete"):
        load_attention(run)
    with pytest.raises(WordscrunchError, match="other chunk_size"):                      # a partial cache resumes
        extract(run, model=tm, chunk_size=3, batch_size=2, progress=False)               # only with its own layout
    redone = []
    monkeypatch.setattr(att, "_write_shard", lambda f, c, *a, **k: (redone.append(c), real(f, c, *a, **k)))
    extract(run, model=tm, chunk_size=2, batch_size=2, progress=False)
    assert redone == [2, 3, 4]                                  # finished chunks were not recomputed
    frames_identical(load_attention(run), ref)


def test_shards_and_one_pass_poolings(tmp_path, tm):
    n_fwd = []
    h = tm[1].register_forward_hook(lambda *a: n_fwd.append(1))
    try:
        whole = run_from_glosses(tmp_path/"whole", GLOSSES)
        k_all = extract(whole, model=tm, chunk_size=3, progress=False)
        k_last = extract(whole, model=tm, layers="last", chunk_size=3, progress=False)
        one = len(n_fwd) // 2
        both = run_from_glosses(tmp_path/"both", GLOSSES); n_fwd.clear()
        keys = extract(both, model=tm, poolings=[("all", "mean"), ("last", "mean")], chunk_size=3, progress=False)
        assert len(n_fwd) == one and keys == [k_all, k_last]   # one forward pass for both poolings
    finally:
        h.remove()
    for k in keys: frames_identical(load_attention(both, k), load_attention(whole, k))
    split = run_from_glosses(tmp_path/"split", GLOSSES)
    extract(split, model=tm, chunk_size=3, shard=(1, 2), progress=False)
    with pytest.raises(WordscrunchError, match="incomplete"):
        load_attention(split)
    extract(split, model=tm, chunk_size=3, shard=(0, 2), progress=False)
    frames_identical(load_attention(split), load_attention(whole, k_all))
    with pytest.raises(WordscrunchError, match="shard"):
        extract(split, model=tm, shard=(2, 2), progress=False)


def test_word_spans_match_word_tokens():
    rng = random.Random(0)
    alphabet = list("abcxyzÉéñß İ-'’;:,.()[]0123 \t\nＡＢ…") + ["ﬁ", "Ⅻ", "naïve", "co-op", "Rock'n'roll"]
    for _ in range(300):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        n = att.unicodedata.normalize("NFKC", s)
        if len(n.lower()) != len(n): continue                 # 'İ'.lower() grows: out of scope
        assert [t for *_, t in word_spans(n)] == word_tokens(s), s
    text, q, d = build_input("king", "ruler of a  kingdom")
    assert text[q[0][0]:q[0][1]] == "king" and text[d[0]:d[1]] == "ruler of a kingdom"


def test_layer_poolings_on_the_real_model(tmp_path, tm):
    "`layer:K` and `first:K` caches: a cache each, rows summing to 1; `layer:6` is `last` and `first:6` is `all`, to float noise."
    r = run_from_glosses(tmp_path/"layers", GLOSSES)
    specs = [("all", "mean"), ("last", "mean"), ("first:6", "mean"), ("layer:6", "mean"), ("layer:1", "mean"), ("first:2", "mean")]
    keys = extract(r, model=tm, poolings=specs, chunk_size=3, progress=False)
    assert len(set(keys)) == len(specs)
    frames = [load_attention(r, k).set_index("desc_id") for k in keys]
    for f in frames: assert np.allclose([np.sum(w) for w in f.weights], 1, atol=1e-5)
    same = lambda a, b: np.abs(np.concatenate(list(a.weights)) - np.concatenate(list(b.weights))).max()
    assert same(frames[0], frames[2]) < 1e-6 and same(frames[1], frames[3]) < 1e-6
    assert same(frames[4], frames[1]) > 1e-3                           # the first layer is not the last
    with pytest.raises(WordscrunchError, match="between 1"):
        extract(r, model=tm, layers="layer:7", progress=False)


def test_head_poolings_on_the_real_model(tmp_path, tm):
    "`mean:K,...` and `mean:L.K,...` caches: every head listed is the plain mean, to float noise; one head alone is not; a cache is found by any spelling."
    r = run_from_glosses(tmp_path/"heads", GLOSSES)
    every = ",".join(f"{l}.{k}" for l in range(6, 0, -1) for k in range(1, 13))
    specs = [("all", "mean"), ("all", "mean:" + ",".join(map(str, range(12, 0, -1)))), ("all", "mean:4"), ("all", "mean:" + every),
             ("layer:2", "mean:5"), ("all", "mean:2.5")]
    keys = extract(r, model=tm, poolings=specs, chunk_size=3, progress=False)
    assert len(set(keys)) == 6 and keys[2].startswith("all-mean4-") and keys[3].startswith("all-mean72heads-")
    frames = [load_attention(r, k).set_index("desc_id") for k in keys]
    same = lambda a, b: np.abs(np.concatenate(list(a.weights)) - np.concatenate(list(b.weights))).max()
    assert same(frames[0], frames[1]) < 1e-6 and same(frames[0], frames[3]) < 1e-6 and same(frames[0], frames[2]) > 1e-3
    assert same(frames[4], frames[5]) < 1e-6                            # head 5 of layer 2, spelt two ways
    assert att.select_attention(r, layers="all", heads=" MEAN:4 ") == keys[2]
    with pytest.raises(WordscrunchError, match="between 1"):
        extract(r, model=tm, heads="mean:13", progress=False)
