"""Choose training settings on dev data only: train each candidate config on a run's attention and record its best
dev epoch (dev halves of WS353, SimLex-999, MEN, SimVerb; 1,000 seeded even analogy questions, unanswered = wrong).

    python bench/selection.py runs/oewn --out data/results/oewn-selection.csv
"""
import argparse, os, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import pandas as pd
from wordscrunch.benchmarks import DevScorer
from wordscrunch.train import TrainConfig, run_graph, train

CANDIDATES = {   # name -> TrainConfig fields (everything else at TrainConfig's defaults)
    "propagation, one-way, anchor 0.1 (the previous default)": dict(mode="propagation", reverse=0.0, anchor=0.1),
    "propagation, reverse 0.15, anchor 0.1": dict(mode="propagation", reverse=0.15, anchor=0.1),
    "propagation, reverse 0.15, anchor 0.05": dict(mode="propagation", reverse=0.15, anchor=0.05),
    "propagation, reverse 0.3, anchor 0.05": dict(mode="propagation", reverse=0.3, anchor=0.05),
    "gated, reverse 0.15, anchor 0.05": dict(mode="gated", reverse=0.15, anchor=0.05),
    "no-gate, reverse 0.15, anchor 0.05": dict(mode="no-gate", reverse=0.15, anchor=0.05),
    "direct (SparseAdam), reverse 0.15": dict(mode="direct", reverse=0.15),
}
DEV = ["dev_ws353", "dev_simlex", "dev_men", "dev_simverb", "dev_analogy", "dev_mean"]

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run"); ap.add_argument("--out", default=None); ap.add_argument("--only", default=None)
    a = ap.parse_args()
    graph, rows = run_graph(a.run, TrainConfig()), []
    scorer = DevScorer(graph.words)
    for name, kw in CANDIDATES.items():
        if a.only and a.only not in name: continue
        cfg = TrainConfig(**kw).resolved(); t = time.time()
        r = train(graph=graph, cfg=cfg, eval_fn=scorer, progress=False)
        h = r.history[r.epoch]
        rows.append({"candidate": name, "epochs run": cfg.epochs, "selected epoch": r.epoch, **{k[4:]: h[k] for k in DEV},
                     "seconds": round(time.time() - t)})
        print(pd.DataFrame(rows[-1:]).round(3).to_string(index=False, header=len(rows) == 1), flush=True)
        if a.out: pd.DataFrame(rows).round(4).to_csv(a.out, index=False)

if __name__ == "__main__": main()
