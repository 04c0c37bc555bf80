"Stage 5 (wordscrunch.evaluate): same numbers as gensim, shared-vocabulary fairness, 3CosMul, report files."
import json, math

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

from wordscrunch.data import RunFolder, WordscrunchError

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")
from wordscrunch.evaluate import (analogy_answers, dev_test_pairs, evaluate_run, evaluate_vectors, read_analogies,
                                  read_pairs, restrict_kv, shared_vocab, word_pairs_score, write_report)
from wordscrunch.testing import toy_kv


@pytest.fixture(scope="module")
def toy_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("vec")/"toy.txt"
    toy_kv(seed=0).save_word2vec_format(str(path), binary=False)
    return path


@pytest.fixture(scope="module")
def metrics(toy_file):
    return evaluate_vectors({"toy": toy_file}, progress=False)


def test_same_numbers_as_gensim(toy_file, metrics):
    "evaluate_vectors on a gensim-written word2vec file gives exactly gensim's own evaluation."
    kv = KeyedVectors.load_word2vec_format(str(toy_file), binary=False)
    m = metrics["models"]["toy"]
    score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"))
    total = sections[-1]
    assert m["analogy"]["accuracy"] == pytest.approx(score, abs=1e-12)
    assert m["analogy"]["covered"] == len(total["correct"]) + len(total["incorrect"])
    assert m["analogy"]["correct"] == len(total["correct"])
    assert m["analogy"]["total"] == 19544
    for s in sections[:-1]:
        n = len(s["correct"]) + len(s["incorrect"])
        assert m["analogy"]["sections"][s["section"]]["covered"] == n
        if n: assert m["analogy"]["sections"][s["section"]]["accuracy"] == pytest.approx(len(s["correct"]) / n)
    sem = [s for s in sections[:5]]
    n_sem = sum(len(s["correct"]) + len(s["incorrect"]) for s in sem)
    assert m["analogy"]["semantic"] == pytest.approx(sum(len(s["correct"]) for s in sem) / n_sem)
    for name, f in (("ws353", "wordsim353.tsv"), ("simlex", "simlex999.txt")):
        pearson, spearman, oov = kv.evaluate_word_pairs(datapath(f))
        assert m[name]["spearman"] == pytest.approx(spearman[0], abs=1e-12)
        assert m[name]["pearson"] == pytest.approx(pearson[0], abs=1e-12)
        assert m[name]["oov"] == pytest.approx(oov / 100, abs=1e-12)


def test_3cosmul_matches_gensim():
    "The vectorised 3CosMul gives gensim's most_similar_cosmul answer for every covered question (small vocabulary)."
    kv = toy_kv(dim=20, drop=0.3, seed=3)
    q = read_analogies()
    pred, exp = analogy_answers(kv, q, "mul", eps=1e-6)
    rows = np.flatnonzero(exp >= 0)
    assert len(rows) > 1000
    for i in rows[::10]:
        r = q.iloc[i]
        want = kv.most_similar_cosmul(positive=[r.b.lower(), r.c.lower()], negative=[r.a.lower()], topn=1)[0][0]
        assert kv.index_to_key[pred[i]] == want


def test_shared_vocabulary(toy_file):
    big = KeyedVectors.load_word2vec_format(str(toy_file))
    small = restrict_kv(toy_kv(seed=1), big.index_to_key[::2])
    common = shared_vocab({"big": big, "small": small})
    assert common == set(big.index_to_key) & set(small.index_to_key)
    m = evaluate_vectors({"big": big, "small": small}, progress=False, cosmul=False)
    assert m["info"]["shared_vocab_size"] == len(common)
    sb, ss = m["shared"]["big"], m["shared"]["small"]
    assert sb["vocab_size"] == ss["vocab_size"] == len(common)
    assert sb["analogy"]["covered"] == ss["analogy"]["covered"] < m["models"]["big"]["analogy"]["covered"]
    for b in ("ws353", "simlex"):
        assert sb[b]["oov"] == ss[b]["oov"]
    assert sb["clustering"]["n_words"] == ss["clustering"]["n_words"]
    # the shared score is the score of the restricted vectors
    direct = word_pairs_score(restrict_kv(big, common), "simlex")
    assert sb["simlex"]["spearman"] == pytest.approx(direct["spearman"])


def test_metrics_shape(metrics):
    assert {"models", "shared"} <= set(metrics)
    m = metrics["models"]["toy"]
    assert {"accuracy", "semantic", "syntactic", "covered", "total", "3cosmul"} <= set(m["analogy"])
    assert {"spearman", "oov", "dev", "test"} <= set(m["ws353"]) and {"spearman", "oov"} <= set(m["simlex"])
    assert {"purity", "nmi"} <= set(m["clustering"])
    for x in (m["analogy"]["accuracy"], m["analogy"]["3cosmul"]["accuracy"], m["ws353"]["oov"], m["simlex"]["oov"],
              m["clustering"]["purity"]):
        assert 0 <= x <= 1                                   # fractions, not percents
    json.dumps(metrics)                                      # JSON-serialisable


def test_dev_test_halves():
    h = dev_test_pairs(0)
    for name, n in (("ws353", 353), ("simlex", 999)):
        d, t = h[name]["dev"], h[name]["test"]
        assert len(d) + len(t) == n == len(read_pairs(name))
        assert not set(zip(d.w1, d.w2)) & set(zip(t.w1, t.w2))
    assert h["ws353"]["dev"].equals(dev_test_pairs(0)["ws353"]["dev"])
    assert not h["ws353"]["dev"].equals(dev_test_pairs(1)["ws353"]["dev"])


def test_report_and_run(tmp_path, toy_file, metrics):
    p = write_report(metrics, tmp_path/"rep")
    text = p.read_text()
    assert "## Models on their own coverage" in text and "## Shared vocabulary" in text
    assert (tmp_path/"rep"/"metrics.json").exists() and (tmp_path/"rep"/"metrics.csv").exists()
    assert (tmp_path/"rep"/"figures"/"heatmaps.png").stat().st_size > 1000
    assert json.loads((tmp_path/"rep"/"metrics.json").read_text())["models"]["toy"]["ws353"] == metrics["models"]["toy"]["ws353"]
    # a run folder: wordscrunch + a baseline + an ablation
    run = RunFolder(tmp_path/"run")
    kv = KeyedVectors.load_word2vec_format(str(toy_file))
    small = restrict_kv(kv, kv.index_to_key[:800])
    run.ensure(); small.save_word2vec_format(str(run.vectors_txt))
    (run.baselines).mkdir(); small.save_word2vec_format(str(run.baselines/"hypersphere.txt"))
    (run.ablations/"gated").mkdir(parents=True); small.save_word2vec_format(str(run.ablations/"gated"/"vectors.txt"))
    m = evaluate_run(run, progress=False, cosmul=False)
    assert set(m["models"]) == {"wordscrunch", "hypersphere", "gated"}
    assert "## Ablations" in run.report.read_text()


def test_bad_input(tmp_path):
    with pytest.raises(WordscrunchError, match="not found"):
        evaluate_vectors({"x": tmp_path/"missing.txt"}, progress=False)
    bad = tmp_path/"bad.txt"; bad.write_text("this is not\na word2vec file\n")
    with pytest.raises(WordscrunchError, match="word2vec"):
        evaluate_vectors({"x": bad}, progress=False)
    with pytest.raises(WordscrunchError, match="no vectors"):
        evaluate_run(tmp_path)
    with pytest.raises(WordscrunchError, match="no vectors given"):
        evaluate_vectors({}, progress=False)


def test_binary_by_content(tmp_path, toy_file):
    "A gensim binary file is read whatever its name; a text file named .bin is read as text."
    kv = KeyedVectors.load_word2vec_format(str(toy_file))
    kv.save_word2vec_format(str(tmp_path/"model.txt"), binary=True)       # binary under a text name
    (tmp_path/"text.bin").write_bytes(toy_file.read_bytes())                 # text under a binary name
    from wordscrunch.evaluate import is_binary_w2v, load_kv
    assert is_binary_w2v(tmp_path/"model.txt") and not is_binary_w2v(tmp_path/"text.bin")
    for p in ("model.txt", "text.bin"):
        got = load_kv(tmp_path/p)
        assert got.index_to_key == kv.index_to_key and np.allclose(got.vectors, kv.vectors, atol=1e-6)


def test_wrong_dimension_names_line_and_word(tmp_path):
    bad = tmp_path/"short.txt"
    bad.write_text("3 4\nking 1 0 0 0\nqueen 0 1 0\nman 0 0 1 0\n")
    with pytest.raises(WordscrunchError, match=r"short.txt:3: word 'queen' has 3 values, the header says 4") as e:
        evaluate_vectors({"x": bad}, progress=False)
    assert "\n" not in str(e.value)


def test_intervals_and_paired_verdicts(metrics, toy_file):
    "Every headline number has a 95% interval around it; comparisons are paired and seeded; tiny data gets no verdict."
    from wordscrunch.evaluate import compare_items, verdict, wilson
    for t in ("models", "shared"):
        s = metrics[t]["toy"]
        lo, hi = s["analogy"]["accuracy_ci"]
        assert lo < s["analogy"]["accuracy"] < hi
        assert s["analogy"]["accuracy_ci"] == wilson(s["analogy"]["correct"], s["analogy"]["covered"])
        for b in ("ws353", "simlex"):
            lo, hi = s[b]["spearman_ci"]
            assert lo < s[b]["spearman"] < hi and s[b]["pairs"] == round((1 - s[b]["oov"]) * (353 if b == "ws353" else 999))
    kv = KeyedVectors.load_word2vec_format(str(toy_file))
    noisy = KeyedVectors(kv.vector_size); noisy.add_vectors(kv.index_to_key, kv.vectors + np.random.default_rng(0).normal(size=kv.vectors.shape).astype(np.float32) * 3)
    m1 = evaluate_vectors({"wordscrunch": kv, "noisy": noisy}, progress=False, cosmul=False)
    m2 = evaluate_vectors({"wordscrunch": kv, "noisy": noisy}, progress=False, cosmul=False)
    assert m1["comparisons"] == m2["comparisons"]                                   # seeded: reproducible
    c = m1["comparisons"]["wordscrunch"]["noisy"]
    assert c["analogy"]["verdict"] == "better" and c["analogy"]["ci"][0] > 0       # noise destroys the capital offsets
    assert verdict(m1)[0].startswith("- `wordscrunch` vs `noisy`: better on analogy (+")
    few = compare_items("accuracy", np.ones(10), np.zeros(10))
    assert few["verdict"] == "not meaningful"                                       # 10 questions: too few to tell


def test_report_beside_json(tmp_path, metrics):
    p = evaluate_vectors({"toy": toy_kv(seed=0)}, out=tmp_path/"eval.json", progress=False, cosmul=False)
    assert (tmp_path/"eval.json").exists() and (tmp_path/"eval.md").exists() and (tmp_path/"eval-heatmaps.png").exists()
    assert "![eval-heatmaps](eval-heatmaps.png)" in (tmp_path/"eval.md").read_text()
    assert not (tmp_path/"metrics.json").exists()                                   # nothing else in the folder clobbered


def test_loaded_models_keep_their_file_names(toy_file, metrics):
    "Models handed over already read (as evaluate_run does, to read each file once) give the same scores, and the report still names their files."
    from wordscrunch.evaluate import load_kv
    m = evaluate_vectors({"toy": load_kv(toy_file)}, progress=False, sources={"toy": toy_file})
    assert m["info"]["models"]["toy"]["source"] == str(toy_file)
    assert m["models"]["toy"]["analogy"] == metrics["models"]["toy"]["analogy"]
    assert evaluate_vectors({"toy": load_kv(toy_file)}, progress=False)["info"]["models"]["toy"]["source"] == "KeyedVectors"
