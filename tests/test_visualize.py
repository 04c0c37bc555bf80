"Stage 6: figures written from a fake run folder; bad input; graceful skipping."
import json, logging

import numpy as np
import pytest
from safetensors.numpy import save_file

from wordscrunch.data import RunFolder, WordscrunchError
from wordscrunch.visualize import (fake_run, load_history, load_snapshots, plot_curves, plot_similarity_heatmaps,
                                   plot_snapshots, project_2d, read_some_vectors, save_figures)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return fake_run(tmp_path_factory.mktemp("viz")/"fake", V=300, d=16)


def _is_png(p):
    return p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_save_figures_writes_every_figure(run):
    out = save_figures(run)  # t-SNE and UMAP
    assert sorted(out) == ["curves", "similarity", "snapshots_tsne", "snapshots_umap"]
    for name, p in out.items():
        assert p == run.figures/f"{name}.png" and _is_png(p) and p.stat().st_size > 5_000
    assert not [p for p in run.figures.iterdir() if p.suffix != ".png"]  # no temporary files left behind


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
    assert fig.axes[0].get_title() == "loss"
    assert sorted(l.get_label() for l in fig.axes[0].get_lines()) == ["gated", "uniform", "wordscrunch"]
    assert [a.get_title() for a in plot_curves(run, ablations=False).axes] == ["loss", "metrics"]


def test_dict_of_lists_history(tmp_path):
    r = RunFolder(tmp_path/"h").ensure()
    (r.root/"history.json").write_text(json.dumps({"loss": [3.0, 2.0, 1.5], "dev_ws353": [0.1, 0.2, None]}))
    assert [a.get_title() for a in plot_curves(r).axes] == ["loss", "metrics"]


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
