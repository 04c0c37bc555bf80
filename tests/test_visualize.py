"Stage 6: figures written from a fake run folder; bad input; graceful skipping."
import json, logging
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from wordscrunch.data import RunFolder, WordscrunchError
from wordscrunch.testing import fake_run
from wordscrunch.visualize import (load_history, load_snapshots, map_coords, plot_curves,
                                   plot_metric_heatmaps, plot_similarity_heatmaps, plot_snapshots, project_2d,
                                   read_some_vectors, save_figures)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return fake_run(tmp_path_factory.mktemp("viz")/"fake", V=300, d=16)


def _is_png(p):
    return p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_save_figures_writes_every_figure(run):
    out = save_figures(run, map_words=50)  # t-SNE and UMAP, and the interactive map
    assert sorted(out) == ["curves", "map", "similarity", "snapshots_tsne", "snapshots_umap"]
    for name, p in out.items():
        if name == "map": assert p == run.figures/"map.html" and p.read_text().startswith("<!doctype html>")
        else: assert p == run.figures/f"{name}.png" and _is_png(p) and p.stat().st_size > 5_000
    assert sorted(p.name for p in run.figures.iterdir()) == sorted(p.name for p in out.values())  # no temporary files left


def test_snapshot_panels_and_seed(run):
    fig = plot_snapshots(run, n_other=80)
    assert [a.get_title() for a in fig.axes] == ["epoch 1", "epoch 3", "epoch 6", "epoch 10"]
    X = load_snapshots(run)["epoch 10"][:50]
    np.testing.assert_allclose(project_2d(X, seed=1), project_2d(X, seed=1))  # same seed -> same picture
    fig = plot_snapshots(run, words=["king", "queen", "nosuchword"], epochs=[10], n_other=40)
    assert len(fig.axes) == 1


def test_falls_back_to_final_vectors(tmp_path):
    run = fake_run(tmp_path/"r", V=120, d=8)
    for p in (run.root/"snapshots").iterdir(): p.unlink()
    assert list(load_snapshots(run)) == ["final"]
    assert len(plot_snapshots(run, n_other=30).axes) == 1


def test_bad_inputs(tmp_path, run):
    r = fake_run(tmp_path/"bad", V=120, d=8)
    save_file({"embeddings": np.zeros((5, 8), np.float32)}, str(r.root/"snapshots"/"epoch-003.safetensors"))
    with pytest.raises(WordscrunchError, match="another vocabulary"):
        plot_snapshots(r, epochs=[3])
    save_file({"weights": np.zeros((5, 8), np.float32)}, str(r.root/"snapshots"/"epoch-003.safetensors"))
    with pytest.raises(WordscrunchError, match="no tensor 'embeddings'"):
        load_snapshots(r, epochs=[3])
    (r.root/"history.json").write_text('[{"epoch": 1, "loss": ')
    with pytest.raises(WordscrunchError, match="not valid JSON"):
        load_history(r.root/"history.json")
    with pytest.raises(WordscrunchError, match="wordscrunch train"):
        plot_curves(tmp_path/"empty", ablations=False)
    with pytest.raises(WordscrunchError, match="'tsne' or 'umap'"):
        plot_snapshots(run, method="mds")


def test_curves_overlay_ablations(run):
    fig = plot_curves(run)
    assert fig.axes[0].get_title() == "Training loss"
    assert sorted(l.get_label() for l in fig.axes[0].get_lines()) == ["gated", "uniform", "wordscrunch"]
    assert len(fig.legends) == 1 and all(a.get_legend() is None for a in fig.axes)  # one legend for the figure
    titles = [a.get_title() for a in plot_curves(run, ablations=False).axes if a.get_visible()]
    assert titles == ["Training loss", "SimLex-999 Spearman ρ (dev half)", "WS353 Spearman ρ (dev half)",
                      "Mean cosine between words"]
    assert not any("_" in t for t in titles)  # readable titles, not raw keys


def test_curves_drop_flat_keys_and_use_a_grid(tmp_path):
    r = RunFolder(tmp_path/"flat").ensure()
    h = [{"epoch": e, "loss": 1 / e, "dev_pairs": 674, "dev_mean": 0.1 * e, "dev_ws353": 0.2 * e, "dev_simlex": 0.05 * e,
          "eff_rank": 50 + e, "mean_cos": 0.3 / e} for e in (1, 2, 3)]
    (r.root/"history.json").write_text(json.dumps({"history": h}))
    fig = plot_curves(r)
    shown = [a for a in fig.axes if a.get_visible()]
    assert len(shown) == 6 and "dev_pairs" not in " ".join(a.get_title() for a in shown)  # the flat count is gone
    w, hgt = fig.get_size_inches()
    assert w < 14 and hgt > 6  # a 3-column grid, not a 6-panel strip


def test_dict_of_lists_history(tmp_path):
    r = RunFolder(tmp_path/"h").ensure()
    (r.root/"history.json").write_text(json.dumps({"loss": [3.0, 2.0, 1.5], "dev_ws353": [0.1, 0.2, None]}))
    assert [a.get_title() for a in plot_curves(r).axes] == ["Training loss", "WS353 Spearman ρ (dev half)"]


def test_heatmaps_missing_words(run):
    kvs = {"a": read_some_vectors(run.vectors_txt, ["king", "queen", "man", "woman", "apple"]),
           "b": {"king": np.ones(3), "queen": np.arange(3.0)}}
    fig = plot_similarity_heatmaps(kvs)
    assert "missing: man, woman, apple" in fig.axes[1].get_title()
    assert fig.axes[0].get_title() == "a"


def test_empty_run_skips_with_notes(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="wordscrunch.visualize"):
        assert save_figures(tmp_path/"nothing") == {}
    assert "skipped curves.png" in caplog.text and "skipped similarity.png" in caplog.text


def test_metric_heatmaps_have_one_colour_bar(tmp_path, run):
    hm = {f"model{i}": [[1, 0.2 * i], [0.2 * i, 1]] for i in range(5)}
    fig = plot_metric_heatmaps({"heatmaps": hm, "info": {"heatmap_words": ["king", "queen"]}})
    assert [a.get_label() for a in fig.axes].count("<colorbar>") == 1
    assert sum(a.get_visible() and a.get_label() != "<colorbar>" for a in fig.axes) == 5  # 5 panels in a 4-column grid
    (run.root/"metrics.json").write_text(json.dumps({"heatmaps": hm}))
    try:
        out = save_figures(run, methods=(), map_words=20)
        assert "heatmaps" in out and _is_png(out["heatmaps"])
    finally:
        (run.root/"metrics.json").unlink()


def test_map_coords_one_projection(run):
    mc = map_coords(run, n_other=30)
    assert mc.groupby("epoch").size().nunique() == 1  # the same words at every epoch
    first, last = (mc[mc.epoch == e].set_index("word")[["x", "y"]] for e in ("epoch 1", "epoch 10"))
    assert (first.index == last.index).all()
    with pytest.raises(WordscrunchError, match="use 'pca' or 'tsne'"):
        map_coords(run, method="mds")


def test_docs_processing_keeps_the_api_entries(tmp_path):
    "nbdev's docs processing runs every cell holding an import: none of 06's may need the demo run (issue 15 §5)."
    import os
    from nbdev.processors import FilterDefaults
    from nbdev.serve_drv import exec_nb
    root = Path(__file__).resolve().parent.parent
    old, cwd = os.environ.get("IN_TEST"), os.getcwd()
    os.environ["IN_TEST"] = "1"; os.chdir(root/"nbs")
    try: exec_nb(root/"nbs"/"06_visualize.ipynb", tmp_path/"06.ipynb", FilterDefaults)
    finally:
        os.chdir(cwd)
        if old is None: os.environ.pop("IN_TEST", None)
        else: os.environ["IN_TEST"] = old
    assert "plot_curves" in (tmp_path/"06.ipynb").read_text()
