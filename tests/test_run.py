"""`wordscrunch run` end to end on a tiny glosses file, with the ablations on: config.json records the main model under
"train" and each ablation, with its own settings, under "train:NAME". Baselines and evaluation are stubbed out (they
read the trained files and write no training settings; their own tests are test_baselines.py and test_evaluate.py),
so the run takes about a minute on two cores."""
import gzip, json
from dataclasses import asdict

import pytest

import wordscrunch.cli as cli
from wordscrunch.data import DATA_DIR, DEMO_FILE
from wordscrunch.train import ABLATIONS, ablation_config, same_settings

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

WORDS = {"king", "queen", "man", "woman", "dog", "cat", "run", "walk", "apple", "bank", "money", "happy", "father",
         "mother", "car", "music", "automobile", "glad"}   # car and automobile, happy and glad share a gloss: synonyms
EPOCHS = 1
RECORDED = {"selected_epoch", "n_vocab", "n_desc", "attention"}    # what training adds to a model's settings in config.json


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    "A run folder made by `wordscrunch run --data tiny.tsv.gz --epochs 1` (ablations on), and the stages it ran."
    d = tmp_path_factory.mktemp("run")
    with gzip.open(DATA_DIR/DEMO_FILE, "rt", encoding="utf8") as f:
        lines = [l for l in f.read().splitlines() if l.partition("\t")[0] in WORDS]
    assert len(lines) >= 12, "the demo file lacks the test's words"
    with gzip.open(d/"tiny.tsv.gz", "wt", encoding="utf8") as f: f.write("\n".join(lines) + "\n")
    stubbed, mp = [], pytest.MonkeyPatch()
    mp.setattr(cli, "do_baselines", lambda out, *a, **k: stubbed.append("baselines"))
    mp.setattr(cli, "do_evaluate_run", lambda out: stubbed.append("evaluate"))
    try: code = cli.main(["run", "--data", str(d/"tiny.tsv.gz"), "--out", str(d/"run"), "--epochs", str(EPOCHS)])
    finally: mp.undo()
    assert code == 0
    return d/"run", stubbed


def settings(section):
    return {k: v for k, v in section.items() if k not in RECORDED}


def test_run_reaches_every_stage(run):
    root, stubbed = run
    assert stubbed == ["baselines", "evaluate"]
    cfg = json.loads((root/"config.json").read_text())
    assert cfg["run"]["ablations"] is True and cfg["run"]["epochs"] == EPOCHS
    assert (root/"vectors.txt").exists()


def test_config_train_is_the_main_model(run):
    cfg = json.loads((run[0]/"config.json").read_text())
    main = cli.main_config(EPOCHS)
    assert cfg["train"]["name"] == "wordscrunch"
    assert settings(cfg["train"]) == json.loads(json.dumps(asdict(main.resolved())))
    assert cfg["train"]["selected_epoch"] in range(EPOCHS + 1)
    assert (run[0]/"attention"/cfg["train"]["attention"]).is_dir()      # the attention cache it was trained on


def test_config_has_each_ablation_with_its_settings(run):
    root = run[0]
    cfg, main = json.loads((root/"config.json").read_text()), cli.main_config(EPOCHS)
    trained = [n for n in ABLATIONS if not same_settings(ablation_config(n, main), main)]
    assert len(trained) >= len(ABLATIONS) - 1
    for name in trained:
        sec = cfg.get(f"train:{name}")
        assert sec is not None, f"config.json has no section train:{name}"
        assert sec["name"] == name
        for k, v in ABLATIONS[name].items(): assert sec[k] == v, f"train:{name}: {k}={sec[k]!r}, the ablation sets {v!r}"
        assert settings(sec) == json.loads(json.dumps(asdict(ablation_config(name, main).resolved()))), name
        assert (root/"ablations"/name/"vectors.txt").exists()
    for k in [k for k in cfg if k.startswith("train:")]:       # no section for anything but an ablation
        assert k[len("train:"):] in ABLATIONS, k
    # the ablations the issue names, spelled out
    expect = {"agg-mean": ("agg", "mean"), "layers-last": ("layers", "last"), "no-reverse": ("reverse", 0.0)}
    for name, (k, v) in expect.items():
        if name in trained: assert cfg[f"train:{name}"][k] == v and cfg["train"][k] != v
    assert cfg["train:layers-last"]["attention"] != cfg["train"]["attention"]   # another pooling, another cache


def test_synonyms_train_one_way(run):
    """The synonyms' descriptions reach the training graph marked one-way (no reverse edges): of words with two glosses
    or more by default, of every word with synonyms='all', of none with synonyms='none'."""
    from wordscrunch.data import load_descriptions
    from wordscrunch.train import TrainConfig, glossed_twice, run_graph
    root = run[0]; d = load_descriptions(root)
    syn = set(d.desc_id[d.source == "synonym"])
    assert {"car", "automobile", "happy", "glad"} <= set(d.word[d.source == "synonym"])
    g, g0, ga = (run_graph(root, TrainConfig(synonyms=s)) for s in ("polysemous", "none", "all"))
    assert g.one_way.sum() == len(syn & set(g.desc_ids)) > 0 and set(g.desc_ids[g.one_way]) <= syn
    assert g0.n_desc == g.n_desc - g.one_way.sum() and not g0.one_way.any()
    assert ga.one_way.sum() == len(syn & set(ga.desc_ids)) >= g.one_way.sum()
    once = ~glossed_twice(d, ga.words)[ga.word_ids[ga.one_way]]      # words with one gloss: their synonyms only in "all"
    assert g.one_way.sum() == ga.one_way.sum() - once.sum()


def test_antonyms_push_apart(run):
    """The training examples hold each word's OEWN antonyms (king, queen; man, woman) at negative weight, the
    negative-prefix pairs (happy, unhappy) left out; the no-antonyms ablation's hold none."""
    import numpy as np
    from wordscrunch.train import TrainConfig, _examples, antonym_pairs, run_graph
    root = run[0]; cfg = TrainConfig().resolved(); g = run_graph(root, cfg)
    idx = {w: i for i, w in enumerate(g.words)}
    pairs = {(g.words[i], g.words[j]) for i, j in antonym_pairs(g.words)}
    assert {("king", "queen"), ("queen", "king"), ("man", "woman"), ("father", "mother")} <= pairs
    assert ("happy", "unhappy") not in pairs
    def bags(c):
        ex = _examples(c, g); lens = np.diff(ex.ptr); w = ex.w.numpy(); rows = np.repeat(ex.word.numpy(), lens)
        return dict(zip(ex.word.tolist(), np.add.reduceat(w, ex.ptr[:-1]))), {(g.words[a], g.words[b]) for a, b in zip(rows[w < 0], ex.ctx.numpy()[w < 0])}
    (sums, neg), (sums0, neg0) = bags(cfg), bags(ablation_config("no-antonyms", cfg).resolved())
    has = {idx[a] for a, _ in pairs}
    assert cfg.antonyms > 0 and neg and neg <= pairs and not neg0
    assert all(abs(s - (1 - cfg.antonyms if w in has else 1)) < 1e-5 for w, s in sums.items())
    assert all(abs(s - 1) < 1e-5 for s in sums0.values())
