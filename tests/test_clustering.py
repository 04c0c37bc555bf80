"Stage 5b: the attention-based clustering of arXiv 2505.13112 (reconstructed) against k-means, on synthetic mixtures and word vectors."
import math

import numpy as np
import pytest

from wordscrunch.clustering import (AttentionHeads, centroid_error, cluster_metrics, cluster_scores, clustering_table,
                                    compare_run, head_sweep, mixture_centroids, quantise, quantise_labels,
                                    quantise_sweep, representatives, sample_mixture, winners)
from wordscrunch.data import WordscrunchError
from wordscrunch.evaluate import clustering_scores, gold_categories
from wordscrunch.testing import fake_run, toy_kv


def planted(n_per=15, d=16, cats="abcd", noise=0.3, seed=0):
    rng = np.random.default_rng(seed)
    cen = {c: rng.normal(size=d) * 3 for c in cats}
    kv = {f"{c}{i}": cen[c] + rng.normal(size=d) * noise for c in cats for i in range(n_per)}
    return kv, {w: w[0] for w in kv}


def test_gradient_matches_finite_differences():
    h = AttentionHeads(4); h.lam_ = 1.3
    rng = np.random.default_rng(3)
    X, th = rng.normal(size=(30, 5)), rng.normal(size=(4, 5))
    _, G = h.grad(X, th)
    num = np.zeros_like(th)
    for i in range(4):
        for j in range(5):
            E = np.zeros_like(th); E[i, j] = 1e-6
            num[i, j] = (h.grad(X, th + E)[0] - h.grad(X, th - E)[0]) / 2e-6
    np.testing.assert_allclose(G, num, atol=1e-5)


def test_heads_find_the_centroids_and_error_falls_with_n():
    mu = mixture_centroids(2, 8, 8.0, seed=1)
    err = {}
    for n in (40, 2000):
        X, _ = sample_mixture(n, mu, seed=n)
        err[n] = centroid_error(AttentionHeads(2, steps=120, n_init=1).fit(X).theta_, mu)
    assert err[2000] < 0.15 and err[2000] < err[40]
    df = head_sweep(ns=(100, 1000), seps=(1, 8), steps=60)
    e = df.set_index(["sep", "n"]).error
    assert e[8, 1000] < e[1, 1000]  # separation helps


def test_quantisation_collapses_separated_clusters():
    X, y = sample_mixture(240, mixture_centroids(3, 8, 8.0), seed=5)
    assert representatives(quantise(X, 3)) <= 12 < representatives(X)
    assert cluster_metrics(y, quantise_labels(X, 3))["purity"] == 1.0
    q = quantise_sweep(seps=(0.5, 8), n=150)
    assert q.purity.iloc[0] < 0.7 and q.purity.iloc[1] == 1.0


def test_cluster_scores_shape_and_planted_clusters():
    kv, gold = planted()
    s = cluster_scores(kv, gold)
    assert set(s) == {"kmeans", "attention", "quantisation"}
    for m in s.values():
        assert set(m) == {"purity", "nmi", "ari", "n_words", "k"} and m["k"] == 4 and m["n_words"] == 60
        assert m["purity"] == 1.0 and m["ari"] == pytest.approx(1.0)
    assert cluster_scores(kv, gold, seed=0) == s                   # seeded: the same scores again
    assert cluster_scores(kv, gold, k=2)["kmeans"]["k"] == 2        # k can be forced


def test_kmeans_matches_evaluate():
    kv = toy_kv()
    sub = dict(list(gold_categories(kv.key_to_index).items())[::8])
    assert cluster_scores(kv, sub)["kmeans"]["purity"] == pytest.approx(clustering_scores(kv, sub)["purity"])


def test_too_few_words_and_bad_input():
    kv, _ = planted()
    s = cluster_scores(kv, {"a0": "x", "b0": "y"})
    assert all(math.isnan(m["nmi"]) for m in s.values())
    assert winners(clustering_table({"tiny": s})) == ["tiny: too few gold words to cluster."]
    with pytest.raises(WordscrunchError, match="at least one head"): AttentionHeads(0)
    with pytest.raises(WordscrunchError, match="not fitted"): AttentionHeads(2).predict(np.zeros((3, 2)))
    with pytest.raises(WordscrunchError, match="more points than heads"): AttentionHeads(3).fit(np.zeros((3, 2)))
    with pytest.raises(WordscrunchError, match="need d >= k"): mixture_centroids(6, 4, 1.0)


def test_table_and_verdict():
    kv, gold = planted()
    t = clustering_table({"planted": cluster_scores(kv, gold)})
    assert list(t.columns) == [f"{m} {x}" for m in ("kmeans", "attention", "quantisation") for x in ("purity", "nmi", "ari")] + ["words", "k"]
    assert winners(t)[0].startswith("planted: ") and "NMI" in winners(t)[0]


def test_compare_run(tmp_path):
    run = fake_run(tmp_path/"r", V=150, d=16)
    t = compare_run(run)
    assert list(t.index) == ["wordscrunch"] and t.loc["wordscrunch", "words"] >= 20
    with pytest.raises(WordscrunchError, match="no vectors.txt"): compare_run(tmp_path/"empty")
