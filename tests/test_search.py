"Search (wordscrunch.search): exact top-k is gensim's most_similar, int8 recall, phrases, reverse dictionary, bad input."
import gzip, json

import numpy as np
import pandas as pd
import pytest

from wordscrunch.cli import main
from wordscrunch.data import WordscrunchError
from wordscrunch.search import (WordIndex, compare_int8, gcide_definitions, gcide_path, noisy_copies, query_words,
                                read_vectors, reverse_dictionary_queries, reverse_dictionary_scores, search)
from wordscrunch.testing import toy_kv

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def kv():
    return toy_kv(dim=50, seed=0)


@pytest.fixture(scope="module")
def toy_file(kv, tmp_path_factory):
    path = tmp_path_factory.mktemp("vec")/"toy.txt"
    kv.save_word2vec_format(str(path), binary=False)
    return path


def test_exact_top_k_is_gensim_most_similar(kv):
    "For single words, the exact index returns gensim's most_similar: the same words in the same order, same cosines."
    ix = WordIndex.from_kv(kv)
    for w in kv.index_to_key[::97][:20]:
        ours = search(ix, w, k=10)
        theirs = kv.most_similar(w, topn=10)
        assert ours.word.tolist() == [x for x, _ in theirs], w
        np.testing.assert_allclose(ours.cosine, [c for _, c in theirs], atol=1e-4)


def test_phrase_is_sif_weighted_mean(kv):
    "A phrase's vector is the SIF-weighted mean of its words' unit vectors; frequent words weigh less; its own words are left out."
    ix = WordIndex.from_kv(kv)
    counts = {"king": 1, "queen": 1_000_000}
    top = search(ix, "kings and queens", k=3, counts=counts)
    assert "king" not in top.word.tolist() and "queen" not in top.word.tolist()
    u = lambda v: v / np.linalg.norm(v)
    wk, wq = 1e-3 / (1e-3 + 1 / 1_000_001), 1e-3 / (1e-3 + 1_000_000 / 1_000_001)
    q = u(wk * u(kv["king"]) + wq * u(kv["queen"]))
    best = max((w for w in kv.index_to_key if w not in ("king", "queen")), key=lambda w: u(kv[w]) @ q)
    assert top.word.iloc[0] == best


def test_int8_recall_and_memory():
    "int8 keeps recall@10 >= 0.95 against float32 at a quarter of the memory, on clustered 300-d vectors."
    rng = np.random.default_rng(0)
    E = noisy_copies(rng.normal(size=(500, 300)), 6000, noise=1.0, seed=0)
    cmp = compare_int8(E, n_queries=300, single=10)
    row = cmp.loc["int8 per vector (usearch)"]
    assert row["recall@10"] >= 0.95
    assert row["bytes_per_vector"] == 300 and cmp.loc["float32 (numpy, exact)", "bytes_per_vector"] == 1200
    ix = WordIndex([f"w{i}" for i in range(len(E))], E, int8=True)
    assert ix.E.dtype == np.int8 and ix.bytes_per_vector == 300


def test_int8_search_matches_exact_on_most(kv):
    ix, ix8 = WordIndex.from_kv(kv), WordIndex.from_kv(kv, int8=True)
    words = kv.index_to_key[:50]
    a, b = search(ix, words, k=10), search(ix8, words, k=10)
    overlap = np.mean([len(set(a.word[a["query"] == w]) & set(b.word[b["query"] == w])) / 10 for w in words])
    assert overlap >= 0.95


def test_bad_input(kv, toy_file, tmp_path):
    ix = WordIndex.from_kv(kv)
    with pytest.raises(WordscrunchError, match="empty query"): search(ix, "   ")
    with pytest.raises(WordscrunchError, match="no query"): search(ix, [])
    with pytest.raises(WordscrunchError, match=r"unknown word 'kingg'.*nearest spellings: king"): search(ix, "kingg")
    with pytest.raises(WordscrunchError, match="only stopwords"): query_words(ix, "of the")
    bad = tmp_path/"bad.txt"
    lines = toy_file.read_text().splitlines()
    bad.write_text("\n".join([lines[0], " ".join(lines[1].split()[:-1])] + lines[2:]) + "\n")
    with pytest.raises(WordscrunchError, match="has 49 numbers but the header says 50"): read_vectors(bad)
    with pytest.raises(WordscrunchError, match="50-dimensional vectors where 300"): read_vectors(toy_file, dim=300)
    with pytest.raises(WordscrunchError, match="49 dimensions but the index has 50"): ix.search(np.ones(50 - 1))


def test_cli_search(toy_file, tmp_path, capsys):
    out = tmp_path/"n.json"
    main(["search", "king", "kings and queens", "--vectors", str(toy_file), "--k", "3", "--out", str(out)])
    printed = capsys.readouterr().out
    res = json.loads(out.read_text())["results"]
    assert set(res) == {"king", "kings and queens"} and all(len(v) == 3 for v in res.values())
    assert res["king"][0]["word"] in printed
    for argv, msg in [(["search", "kingg", "--vectors", str(toy_file)], "nearest spellings: king"),
                      (["search", "", "--vectors", str(toy_file)], "empty query"),
                      (["search", "king", "--vectors", str(tmp_path/"none.txt")], "not found")]:
        with pytest.raises(SystemExit) as e: main(argv)
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_gcide_absent(tmp_path, monkeypatch):
    "Without GCIDE the reverse dictionary stops with one line saying how to install it."
    monkeypatch.setenv("WORDSCRUNCH_GCIDE", str(tmp_path/"nowhere.dict.dz"))
    monkeypatch.setattr("wordscrunch.search.GCIDE_FILES", ())
    with pytest.raises(WordscrunchError, match="apt-get install dict-gcide"): gcide_path()
    with pytest.raises(WordscrunchError, match="apt-get install dict-gcide"):
        reverse_dictionary_scores({"toy": toy_kv(dim=50)})


def _fake_gcide(tmp_path):
    "A tiny dictd pair in GCIDE's format (made-up entries): two words from Webster 1913, one from WordNet."
    entries = ['Glim \\Glim\\, n.\n   1. A small faint lamp. "Douse it." --Anon.\n      [1913 Webster]\n',
               'Lamp \\Lamp\\, n.\n   A vessel giving light; as, a lamp.\n   [1913 Webster]\n',
               'Wax \\Wax\\, n.\n   a substance from bees\n   [WordNet 1.5]\n']
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    enc = lambda n: "".join(b64[(n >> (6 * i)) & 63] for i in reversed(range(4))).lstrip("A") or "A"
    data, index, off = b"", [], 0
    for e in entries:
        raw = e.encode(); index.append(f"{e.split()[0]}\t{enc(off)}\t{enc(len(raw))}"); data += raw; off += len(raw)
    (tmp_path/"g.index").write_text("\n".join(index) + "\n")
    with gzip.open(tmp_path/"g.dict.dz", "wb") as f: f.write(data)
    return tmp_path/"g.dict.dz"


def test_gcide_reader_and_queries(tmp_path):
    path = _fake_gcide(tmp_path)
    defs = gcide_definitions(path=path)
    assert defs == {"glim": "A small faint lamp", "lamp": "A vessel giving light"}      # WordNet's sense skipped
    q = reverse_dictionary_queries(["glim", "lamp", "small", "faint", "vessel", "light", "give"], path=path)
    assert q.set_index("word")["query"].to_dict() == {"glim": "small faint lamp", "lamp": "vessel give light"}


def test_reverse_dictionary_scores(kv):
    "The right word ranks first when the query points at it, and accuracy@k grows with k."
    words = kv.index_to_key[:300]
    # each query is the word's own three nearest neighbours: a good space finds it
    rows = [(w, "", " ".join(x for x, _ in kv.most_similar(w, topn=3) if x in words)) for w in words[:100]]
    qs = pd.DataFrame(rows, columns=["word", "definition", "query"])
    qs = qs[qs["query"].str.len() > 0]
    sc = reverse_dictionary_scores({"toy": kv}, queries=qs, candidates=words)["toy"]
    assert sc["candidates"] == 300 and sc["queries"] == len(qs)
    assert sc["accuracy@1"] <= sc["accuracy@10"] <= sc["accuracy@100"] <= 1
    assert sc["median_rank"] < 50
    rng = np.random.default_rng(0)
    shuffled = toy_kv(dim=50, seed=0); shuffled.vectors[:] = rng.permutation(shuffled.vectors)
    bad = reverse_dictionary_scores({"toy": shuffled}, queries=qs, candidates=words)["toy"]
    assert bad["median_rank"] > sc["median_rank"]
