"""Choose training settings on dev data only, on a run folder.

Every model that `wordscrunch run` trained (the main model and its ablations) already recorded its dev numbers per
epoch in its `history.json`; this script reads them at each model's selected epoch, trains the extra candidates
below on the same attention (or reads them back from the `--out` file, trained already), and writes one table
(dev halves of WS353, SimLex-999, MEN and SimVerb; 1,000 seeded even analogy questions, unanswered = wrong; `mean`
is what selection maximises).

    python bench/selection.py runs/oewn --out data/results/oewn-selection.csv
    python bench/selection.py runs/oewn --search first --out data/results/oewn-search.csv
    python bench/selection.py runs/oewn --search width --out data/results/oewn-search-width.csv
    python bench/selection.py runs/oewn --search heads --out data/results/oewn-search-heads.csv
    python bench/selection.py runs/oewn --search gate --out data/results/oewn-search-gate.csv
    python bench/selection.py runs/oewn --search schedule --out data/results/oewn-search-schedule.csv
    python bench/selection.py runs/oewn --search gate-start --out data/results/oewn-search-gate-start.csv
    python bench/selection.py runs/oewn --search positives --out data/results/oewn-search-positives.csv
    python bench/selection.py runs/oewn --search batch --out data/results/oewn-search-batch.csv
    python bench/selection.py runs/oewn --search two-hop --out data/results/oewn-search-two-hop.csv
    python bench/selection.py runs/oewn --search objective --out data/results/oewn-search-objective.csv
    python bench/selection.py runs/oewn --search per-description --out data/results/oewn-search-per-description.csv
    python bench/selection.py runs/oewn --search sgns --out data/results/oewn-search-sgns.csv
    python bench/selection.py runs/oewn --search mode --out data/results/oewn-search-mode.csv
    python bench/selection.py runs/oewn --search temperature --out data/results/oewn-search-temperature.csv
    python bench/selection.py runs/oewn --search direct --out data/results/oewn-search-direct.csv
    python bench/selection.py runs/oewn --search antonyms --out data/results/oewn-search-antonyms.csv
    python bench/selection.py runs/oewn --search forms --out data/results/oewn-search-forms.csv

`--search NAME` is a greedy coordinate search (`SEARCHES`): from its start (each row names its changes from there;
a start names the defaults that changed after its search ran, `ROUND_DEFAULTS`, so that it reruns as it ran),
for each setting of its grid in turn it trains every value, keeps the one with the best dev mean, and goes on from
there; then it trains its `repeats` (the start and the best again with another seed, or with two torch threads as a
run trains), to show how much of a difference is noise. Every candidate it trains is a row of the table. Rows
already in the `--out` file are read back rather than trained again, so an interrupted search resumes. Candidates
train with one torch thread (the machine's other core stays free), so a row differs from the same settings trained
with the default two threads by 0.002 to 0.005 of dev mean (the default: 0.580 with one thread, 0.585 with two).

- `first` starts from the default of its round. `data/results/oewn-search.csv` was searched on a run
  prepared before the derived words' descriptions existed (they came after it, chosen by the run's
  `no-derivations` ablation), so re-running it on a current run gives other numbers.
- `heads` starts from the current default (the six dev-chosen heads) and tries again three settings the searches
  above chose on the mean of all heads, those whose ablations moved most with the heads: the reverse edges' share, the
  learned gate's start and the inflection descriptions' weight.
- `objective` starts from the current default too and tries what the issue lists for the learned objective and
  no search had measured on all of OEWN: each description its own positive (`agg="per-description"`), the
  skip-gram loss with unigram^0.75 negatives (`loss="sgns"`), and InfoNCE negatives from the batch's words as well
  as its contexts (`neg_source="both"`). Its start and the start's repeats are the `heads` search's (the same
  settings), copied into its table before it ran.
- `per-description` and `sgns` tune the two objectives that collapsed in `objective`, each from its own start (the
  default with `agg="per-description"`, or with `loss="sgns"`), before calling them dead. For each description as its
  own positive, the gate (a word moves toward each description in turn, so a smaller step might be what it needs);
  for the skip-gram loss, its temperature (word2vec's sigmoid takes raw dot products: tau = 1 for unit vectors), the
  learning rate and the number of negatives, then its best again with other seeds and two threads (`repeat_start`
  False: the start collapsed, and the default's own repeats are the `heads` search's rows).
- `mode` and `temperature` start from the default: fixed-gate propagation and the ungated MLP against the gated
  update, and InfoNCE's temperature and the MLP's learning rate. Their start rows and the start's repeats are the
  `heads` search's (the same settings), copied into their tables before they ran.
- `gate` starts from the default once the MLP's learning rate became 3e-3, whose run's `no-gate` ablation came out
  ahead of the gated main model on the dev mean: the learned gate against none, each repeated (`repeat_all`: the
  repeats train every candidate of the grid, not only the best, since the search is one comparison). Its start and the
  start's repeats are the `temperature` search's rows at lr 3e-3 (the same settings), and its no-gate row with two
  threads is the run's `no-gate` ablation (the same settings and graph), copied into its table before it ran.
- `schedule` starts from the default at 3e-3, whose selected epochs came late (26 to 37 of 40): the step size
  falling linearly over the epochs (`lr_decay`), then 60 epochs. Its start and the start's repeats are the `gate`
  search's (the same settings), copied into its table before it ran. The best epoch is chosen on the same dev data
  that scores it, so more epochs can only tie or win on dev: a win there must be large to count.
- `gate-start` starts from the default at 3e-3 too: the learned gate's start, between the default's 0.7 and the
  ungated MLP's fixed 1, which answers more dev analogies (`gate`). Its start rows are the `gate` search's.
- `positives` starts from the default at 3e-3 too: InfoNCE with each of a word's descriptions as a positive of its own
  beside its whole context (`positives="descriptions"`, `multi_infonce`), the one direction of the issue no search
  had measured. Its start rows are the `gate` search's (the same settings), copied into its table before it ran.
- `batch` starts from the default at 3e-3 too: the batch size, which for InfoNCE is also the number of negatives
  each word sees (the other examples' contexts), never searched before. Its start rows are
  the `gate` search's.
- `two-hop` starts from the default at 3e-3 too: contexts two hops away (`two_hop`, the share of each context word's
  row replaced by its own context), another direction of the issue no search had measured. Its start rows are the
  `gate` search's.
- Every search above ran before the synonyms' descriptions ("possess: have, own") existed, and names
  `synonyms="none"`; whose synonyms train is chosen by the run's `no-synonyms` and `all-synonyms` ablations.
- `antonyms` starts from the default of its round (no antonyms) and tries the weight of the push away from a
  word's antonyms (`TrainConfig.antonyms`), then repeats the start and the best with seed 1 (the run's `no-antonyms`
  ablation is the comparison with two threads). Every search above ran before antonyms existed, and names
  `antonyms=0`.
- `forms` starts from the default of its round (inflection descriptions weighed 4, three principal directions
  removed per epoch, antonyms at 0.05) and tries the inflection descriptions' weight, then the number of directions
  removed (`remove_pc`), the two settings that scratch runs on that default found moving the dev analogies most; then
  the start and the best again with seed 1. Its start rows are the `antonyms` search's rows at 0.05 (the same
  settings), copied into its table before it ran. Every search above ran before it, with weight 4 and three directions.
- `similarity` starts from the default the `forms` search chose (antonyms at 0.05, which it names) and tries again the
  settings that move SimLex and SimVerb most against WS353 and MEN: the antonyms' push (0.1 had raised SimLex's dev
  half by 0.03 in `antonyms`, but lost more on WS353), the number of principal directions removed (2, between the
  `forms` search's 1 and 3) and InfoNCE's temperature; then the start and the best again with seed 1. Its start rows
  are the `forms` search's best and its seed-1 repeat (the same settings), copied into its table before it ran.
- `direct` optimises the table itself for 40 epochs (its ablation runs 10): a linearly falling step size
  (`lr_decay`) and the step size. The anchor is not searched: it moves the buffer modes' target, and `direct` has none.
- `width` starts from the default of its round (the mean of all heads; the six dev-chosen heads came after it) and
  tries the MLP's hidden width and the dimension.
"""
import argparse, json, os, time
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import pandas as pd
from wordscrunch.benchmarks import DevScorer
from wordscrunch.train import ABLATIONS, PREDATED, TrainConfig, run_graph, train

EXTRA = {   # candidates that are not ablations of the run: name -> TrainConfig fields
    "propagation, one-way, anchor 0.1, inflections weighed 1, no derivations (the first round's default)":
        dict(mode="propagation", reverse=0.0, anchor=0.1, inflection_weight=1.0, derivations=False, heads="mean",
             synonyms="none", antonyms=0.0, remove_pc=3),
}   # the first round's default; the later rounds' defaults are the start rows of the searches below
SEARCHES = {   # name -> start (TrainConfig fields), grid (the greedy search's axes, in order), repeats
    "first": dict(start=dict(reverse=0.15, inflection_weight=1.0, gate=0.5, heads="mean"),   # the default of its round
                  grid=[("reverse", [0.15, 0.3, 0.45]), ("anchor", [0.0, 0.05, 0.1]),
                        ("inflection_weight", [1.0, 2.0, 4.0, 8.0]), ("gate", [0.3, 0.5, 0.7]), ("remove_pc", [0, 3, 6])],
                  repeats=()),   # each repeat: changes to train the start and the best with again
    "width": dict(start=dict(heads="mean"), grid=[("hidden", [64, 128, 256]), ("dim", [300, 500])],
                  repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "heads": dict(start={}, grid=[("reverse", [0.15, 0.3, 0.45]), ("gate", [0.5, 0.7]),
                                  ("inflection_weight", [2.0, 4.0, 8.0])],
                  repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "objective": dict(start={}, grid=[("agg", ["strength", "per-description"]), ("loss", ["infonce", "sgns"]),
                                      ("neg_source", ["contexts", "both"])],
                      repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "per-description": dict(start=dict(agg="per-description"), grid=[("gate", [0.7, 0.3, 0.1])], repeats=()),
    "sgns": dict(start=dict(loss="sgns"), grid=[("tau", [0.1, 0.5, 1.0, 2.0]), ("lr", [1e-3, 1e-4]), ("negatives", [2, 5, 15])],
                 repeats=({"seed": 1}, {"seed": 2}, {"threads": 2}), repeat_start=False),
    "mode": dict(start={}, grid=[("mode", ["gated", "propagation", "no-gate"])],
                 repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "direct": dict(start=dict(mode="direct", epochs=40), grid=[("lr_decay", [None, "linear"]), ("lr", [0.05, 0.02, 0.1, 0.2])],
                   repeats=()),   # the anchor moves the buffer modes' target only: direct has none
    "temperature": dict(start={}, grid=[("tau", [0.05, 0.1, 0.2, 0.5]), ("lr", [3e-4, 1e-3, 3e-3, 1e-2])],
                        repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "gate": dict(start={}, grid=[("mode", ["gated", "no-gate"])], repeats=({"seed": 1}, {"seed": 2}, {"threads": 2}),
                 repeat_all=True),   # every candidate repeated, not only the best: the search is one comparison
    "schedule": dict(start={}, grid=[("lr_decay", [None, "linear"]), ("epochs", [40, 60])],
                     repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "gate-start": dict(start={}, grid=[("gate", [0.5, 0.7, 0.9])], repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "positives": dict(start={}, grid=[("positives", ["context", "descriptions"])],
                      repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "batch": dict(start={}, grid=[("batch_size", [1024, 4096, 512, 256])], repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "two-hop": dict(start={}, grid=[("two_hop", [0.0, 0.15, 0.3])], repeats=({"seed": 1}, {"seed": 2}, {"threads": 2})),
    "antonyms": dict(start=dict(antonyms=0.0), grid=[("antonyms", [0.03, 0.05, 0.1])],   # from the default of its round
                     repeats=({"seed": 1},)),
    "forms": dict(start=dict(inflection_weight=4.0, remove_pc=3, antonyms=0.05),   # from the default of its round
                  grid=[("inflection_weight", [4.0, 6.0, 8.0]), ("remove_pc", [3, 1, 0])], repeats=({"seed": 1},)),
    "similarity": dict(start=dict(antonyms=0.05),   # from the default of its round, the one `forms` chose
                       grid=[("antonyms", [0.05, 0.07, 0.1]), ("remove_pc", [1, 2]), ("tau", [0.1, 0.07])],
                       repeats=({"seed": 1},)),
}
ORDER = tuple(SEARCHES)   # `antonyms`, `forms` and `similarity` each ran after every search listed before it
BEFORE_FORMS, BEFORE_ANTONYMS = ORDER[:ORDER.index("forms")], ORDER[:ORDER.index("antonyms")]
ROUND_DEFAULTS = {   # defaults that changed after a search ran -> (the value it ran from, the searches that ran so)
    "lr": (1e-3, ("first", "width", "heads", "objective", "per-description", "sgns", "mode", "temperature")),
    "batch_size": (1024, BEFORE_ANTONYMS),
    "synonyms": ("none", BEFORE_ANTONYMS),
    "antonyms": (0.0, BEFORE_ANTONYMS),
    "inflection_weight": (4.0, BEFORE_FORMS),
    "remove_pc": (3, BEFORE_FORMS),   # dim // 100 then (the width search's dim 500 candidate ran with 5)
}
for field, (value, names) in ROUND_DEFAULTS.items():   # each start names them, so a search reruns as it ran
    for n in names: SEARCHES[n]["start"] = {field: value, **SEARCHES[n]["start"]}
DEV = ["dev_ws353", "dev_simlex", "dev_men", "dev_simverb", "dev_analogy", "dev_mean"]

def row(name, history, epochs, selected, changes):
    h = history[selected]
    return {"candidate": name, "changes": changes, "epochs run": epochs, "selected epoch": selected, **{k[4:]: h[k] for k in DEV}}

def same_candidate(changes, kw):
    "Whether a row's `changes` (JSON) train what `kw` does: a setting the row predates has the value it ran with (`PREDATED`)."
    return TrainConfig(**{**PREDATED, **json.loads(changes)}).resolved() == TrainConfig(**{**PREDATED, **kw}).resolved()

def run_rows(run):
    "Rows for the run's main model and ablations, from their history.json files."
    out = []
    for name, folder in [("wordscrunch (the default)", Path(run))] + [(n, Path(run)/"ablations"/n) for n in ABLATIONS]:
        f = folder/"history.json"
        if not f.exists(): continue
        H = json.loads(f.read_text())
        out.append(row(name, H["history"], H["config"]["epochs"], H["selected_epoch"], json.dumps(ABLATIONS.get(name, {}))))
    return out

def search(run, scorer, out=None, name="first"):
    "Greedy coordinate search `SEARCHES[name]` on dev, then its repeats: rows for every candidate trained; the best settings found."
    START, grid, repeats = (SEARCHES[name][k] for k in ("start", "grid", "repeats"))
    again_from = ({}, ) if SEARCHES[name].get("repeat_start", True) else ()
    done = {r["changes"]: r for r in pd.read_csv(out).to_dict("records")} if out and Path(out).exists() else {}
    best, rows, graphs = {}, [], {}
    def graph_of(cfg):      # the settings that change the graph itself, each graph built once
        k = (cfg.layers, cfg.inflections, cfg.derivations, cfg.synonyms, cfg.inflection_weight)
        if k not in graphs: graphs[k] = run_graph(run, cfg)
        return graphs[k]
    def score(changes):
        key = json.dumps(changes, sort_keys=True)
        if key not in done:
            cfg = TrainConfig(**{**START, "threads": 1, **changes}).resolved(); t = time.time()
            r = train(graph=graph_of(cfg), cfg=cfg, eval_fn=scorer, progress=False)
            done[key] = row("search", r.history, cfg.epochs, r.epoch, key)
            print(f"{key}: dev mean {done[key]['mean']:.4f} at epoch {r.epoch} ({time.time() - t:.0f} s)", flush=True)
            if out: pd.DataFrame(list(done.values())).round(4).to_csv(out, index=False)
        rows.append(done[key]); return done[key]["mean"]
    top, start, tried = score(best), TrainConfig(**START).resolved(), []
    for field, values in grid:
        for v in values:
            cand = {**best, field: v}
            if v == getattr(start, field): cand.pop(field)   # the starting value: no change
            if cand == best: continue
            s = score(cand); tried.append(cand)
            if s > top: top, best = s, cand
    print(f"best on dev: {json.dumps(best, sort_keys=True)} (dev mean {top:.4f})", flush=True)
    again_too = tried if SEARCHES[name].get("repeat_all") else [best] if best else []
    for again in repeats:   # the start and the best (or every candidate) again with another seed or thread count
        for cand in (*again_from, *again_too): score({**cand, **again})
    return rows, best

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run"); ap.add_argument("--out", default=None)
    ap.add_argument("--search", choices=sorted(SEARCHES), default=None, help="a greedy coordinate search on dev instead (SEARCHES)")
    a = ap.parse_args()
    graph = run_graph(a.run, TrainConfig()); scorer = DevScorer(graph.words)
    if a.search: return search(a.run, scorer, a.out, a.search)
    rows, old = run_rows(a.run), pd.read_csv(a.out) if a.out and Path(a.out).exists() else None
    for name, kw in EXTRA.items():
        same = old[(old.candidate == name) & old.changes.map(lambda c: same_candidate(c, kw))] if old is not None else []
        if len(same): rows.append(same.iloc[0].to_dict()); print(f"{name}: read back from {a.out}", flush=True); continue
        cfg = TrainConfig(**kw, threads=1).resolved(); t = time.time()
        r = train(graph=run_graph(a.run, cfg), cfg=cfg, eval_fn=scorer, progress=False)
        rows.append(row(name, r.history, cfg.epochs, r.epoch, json.dumps(kw)))
        print(f"{name}: dev mean {rows[-1]['mean']:.3f} at epoch {r.epoch} ({time.time() - t:.0f} s)", flush=True)
    df = pd.DataFrame(rows).round(4)
    print(df.to_string(index=False))
    if a.out: df.to_csv(a.out, index=False)

if __name__ == "__main__": main()
