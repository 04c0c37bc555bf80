"Stage 4 (wordscrunch.baselines): every baseline written, loadable, recorded in config.json, cached, seeded."
import numpy as np
import pytest
from gensim.models import KeyedVectors

from wordscrunch.data import WordscrunchError, load_descriptions, load_vocab, read_config, w2v_sentences
from wordscrunch.attention import list_attention, load_attention
from wordscrunch.baselines import (BASELINES, BUILDERS, bert_contextual, build_baselines, contextual_from_states,
                                   hypersphere, load_bert, states_key, train_word2vec, tune_word2vec)
from wordscrunch.benchmarks import benchmark_words
from wordscrunch.testing import oewn_toy_run

GRID = ({"window": 5, "epochs": 5, "min_count": 1}, {"window": 10, "epochs": 5, "min_count": 2})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    run = oewn_toy_run(tmp_path_factory.mktemp("runs")/"toy", n_extra=150)
    return run, build_baselines(run, dim=32, grid=GRID, progress=False)


def test_all_written_and_loadable(built):
    run, paths = built
    assert sorted(paths) == sorted(BASELINES)
    vocab = set(load_vocab(run).word)
    heads = set(load_descriptions(run).word)
    kvs = {n: KeyedVectors.load_word2vec_format(str(p)) for n, p in paths.items()}
    assert set(kvs["hypersphere"].index_to_key) == vocab == set(kvs["bert-static"].index_to_key)
    assert set(kvs["bert-contextual"].index_to_key) == heads          # headwords only
    assert kvs["hypersphere"].vector_size == kvs["word2vec-sg"].vector_size == 32
    assert np.allclose(np.linalg.norm(kvs["hypersphere"].vectors, axis=1), 1, atol=1e-5)
    assert kvs["glove-6b-50d"].vector_size == 50 and "king" in kvs["glove-6b-50d"].key_to_index
    assert set(kvs["word2vec-sg"].index_to_key) <= vocab | heads
    assert set(kvs["model2vec"].index_to_key) == vocab | benchmark_words() and kvs["model2vec"].vector_size == 256


def test_config_and_cache(built):
    run, paths = built
    cfg = read_config(run)["baselines"]
    assert set(cfg) == set(BASELINES)
    assert cfg["word2vec-sg"]["chosen"] in [dict(g) for g in GRID]        # tuned on dev halves
    assert cfg["word2vec-sg"]["settings"]["sg"] == 1 and cfg["word2vec-cbow"]["settings"]["sg"] == 0
    stamp = {n: p.stat().st_mtime_ns for n, p in paths.items()}
    build_baselines(run, dim=32, grid=GRID, progress=False)
    assert {n: p.stat().st_mtime_ns for n, p in paths.items()} == stamp    # nothing rebuilt
    build_baselines(run, which=["hypersphere"], dim=32, seed=1, grid=GRID, progress=False)  # new settings: rebuilt
    assert paths["hypersphere"].stat().st_mtime_ns != stamp["hypersphere"]
    assert read_config(run)["baselines"]["hypersphere"]["settings"]["seed"] == 1


def test_seeded(built):
    run, _ = built
    s = w2v_sentences(run)
    a, b = train_word2vec(s, dim=16, epochs=2, seed=3), train_word2vec(s, dim=16, epochs=2, seed=3)
    assert np.array_equal(a.vectors, b.vectors)
    assert np.array_equal(hypersphere(50, 8, seed=2), hypersphere(50, 8, seed=2))
    best, table, kv = tune_word2vec(s, grid=GRID, dim=16, progress=False)
    assert len(table) == len(GRID) and best in [dict(g) for g in GRID]


def test_bad_input(tmp_path, built):
    with pytest.raises(WordscrunchError, match="wordscrunch prepare"):
        build_baselines(tmp_path/"empty")
    with pytest.raises(WordscrunchError, match="unknown baseline"):
        build_baselines(built[0], which=["elmo"])


def test_registry_small_functions():
    import inspect
    assert tuple(BUILDERS) == BASELINES
    for settings, build in BUILDERS.values():
        for f in (settings, build):
            f = getattr(f, "func", f)
            assert len(inspect.getsource(f).splitlines()) <= 60


def test_contextual_one_pass(built):
    "bert-contextual comes from the extraction's states (no second pass) and equals the old second pass."
    run, _ = built
    cfg = read_config(run)["baselines"]
    assert "distill_seconds" in cfg["model2vec"] and cfg["model2vec"]["distill_seconds"] > 0
    key = cfg["bert-contextual"]["settings"]["states"]
    assert [m["key"] for m in list_attention(run, states=True)] == [key] == [states_key(run)]
    words, E = contextual_from_states(load_attention(run, key, states=True), load_descriptions(run), load_vocab(run))
    tok, bert = load_bert()
    rw, R = bert_contextual(load_descriptions(run), tok, bert, progress=False)
    assert words == rw and np.abs(E - R).max() < 1e-4
    kv = KeyedVectors.load_word2vec_format(str(run.baselines/"bert-contextual.txt"))
    assert kv.index_to_key == words and np.allclose(kv.vectors, E, atol=1e-6)


def test_parallel_tuning_reproducible(built):
    "Grid points train side by side in separate processes (workers=1 each): the same seed gives the same vectors."
    run, _ = built
    s = w2v_sentences(run)
    a = tune_word2vec(s, grid=GRID, dim=16, seed=5, processes=2, progress=False)
    b = tune_word2vec(s, grid=GRID, dim=16, seed=5, processes=1, progress=False)
    assert a[0] == b[0] and a[1].equals(b[1])
    assert a[2].index_to_key == b[2].index_to_key and np.array_equal(a[2].vectors, b[2].vectors)
    assert np.array_equal(a[2].vectors, train_word2vec(s, dim=16, seed=5, **a[0]).vectors)
