"""Choose training settings on dev data only, on a run folder.

Every model that `wordscrunch run` trained (the main model and its ablations) already recorded its dev numbers per
epoch in its `history.json`; this script reads them at each model's selected epoch, trains the extra candidates
below on the same attention, and writes one table (dev halves of WS353, SimLex-999, MEN and SimVerb; 1,000 seeded
even analogy questions, unanswered = wrong; `mean` is what selection maximises).

    python bench/selection.py runs/oewn --out data/results/oewn-selection.csv
"""
import argparse, json, os, time
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import pandas as pd
from wordscrunch.benchmarks import DevScorer
from wordscrunch.train import ABLATIONS, TrainConfig, run_graph, train

EXTRA = {   # candidates that are not ablations of the run: name -> TrainConfig fields
    "propagation, one-way, anchor 0.1 (the previous default)": dict(mode="propagation", reverse=0.0, anchor=0.1),
    "gated, reverse 0.3": dict(reverse=0.3),
    "gated, anchor 0.1": dict(anchor=0.1),
}
DEV = ["dev_ws353", "dev_simlex", "dev_men", "dev_simverb", "dev_analogy", "dev_mean"]

def row(name, history, epochs, selected, changes):
    h = history[selected]
    return {"candidate": name, "changes": changes, "epochs run": epochs, "selected epoch": selected, **{k[4:]: h[k] for k in DEV}}

def run_rows(run):
    "Rows for the run's main model and ablations, from their history.json files."
    out = []
    for name, folder in [("wordscrunch (the default)", Path(run))] + [(n, Path(run)/"ablations"/n) for n in ABLATIONS]:
        f = folder/"history.json"
        if not f.exists(): continue
        H = json.loads(f.read_text())
        out.append(row(name, H["history"], H["config"]["epochs"], H["selected_epoch"], json.dumps(ABLATIONS.get(name, {}))))
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run"); ap.add_argument("--out", default=None)
    a = ap.parse_args()
    rows = run_rows(a.run)
    graph = run_graph(a.run, TrainConfig()); scorer = DevScorer(graph.words)
    for name, kw in EXTRA.items():
        cfg = TrainConfig(**kw).resolved(); t = time.time()
        r = train(graph=graph, cfg=cfg, eval_fn=scorer, progress=False, threads=1)
        rows.append(row(name, r.history, cfg.epochs, r.epoch, json.dumps(kw)))
        print(f"{name}: dev mean {rows[-1]['mean']:.3f} at epoch {r.epoch} ({time.time() - t:.0f} s)", flush=True)
    df = pd.DataFrame(rows).round(4)
    print(df.to_string(index=False))
    if a.out: df.to_csv(a.out, index=False)

if __name__ == "__main__": main()
