"""Is the order the reason each description as its own positive fails? A check on dev data, on a run folder.

    python bench/per_description_order.py runs/oewn --gates 0.7 0.1 --jobs 2 --out data/results/oewn-per-description-order.json

With `agg="per-description"` a word gets one example per description, and `level` (the description's rank among
its word's) orders the batches, so that a word is moved once per batch: every epoch meets a word's descriptions in
the same order, its last-listed one last. `--search per-description` (bench/selection.py) found this objective broken
at any gate, and the docs named that fixed order as the likely cause. This trains the same settings with each word's
descriptions put in a new random order every epoch (the levels re-drawn from the run's seeded generator, batches
still one description per word) and scores the selected epoch on the dev halves, as the searches do (one torch
thread per gate). The package itself keeps its fixed order: this patches `wordscrunch.train._batches` in this
process only.
"""
import argparse, json, os, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np


def shuffled_levels(word, gen):
    "Each example's rank among its word's examples, in an order drawn from `gen` (0 for a word's first, 1, ...)."
    import torch
    from wordscrunch.train import rank_in_runs
    key = torch.rand(len(word), generator=gen).numpy()
    order = np.lexsort((key, word))                                 # grouped by word, random within a word
    rank = np.empty(len(word), np.int64); rank[order] = rank_in_runs(word[order])
    return rank


def train_row(run, gate, seed=0):
    import torch
    import wordscrunch.train as T
    from dataclasses import replace
    from wordscrunch.benchmarks import DevScorer
    fixed = T._batches
    T._batches = lambda ex, gen, bs: fixed(replace(ex, level=shuffled_levels(ex.word.numpy(), gen)), gen, bs)
    torch.set_num_threads(1)
    cfg = T.TrainConfig(agg="per-description", gate=gate, seed=seed, threads=1).resolved()
    g = T.run_graph(run, cfg); t = time.time()
    r = T.train(graph=g, cfg=cfg, eval_fn=DevScorer(g.words), progress=False)
    h = r.history[r.epoch]
    return {"gate": gate, "order": "shuffled every epoch", "seed": seed, "selected epoch": r.epoch,
            **{k[4:]: round(h[k], 4) for k in h if k.startswith("dev_")}, "seconds": round(time.time() - t)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run"); ap.add_argument("--gates", type=float, nargs="+", default=[0.7, 0.1])
    ap.add_argument("--seed", type=int, default=0); ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", default=None, help="write the rows as JSON")
    a = ap.parse_args()
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing as mp
    with ProcessPoolExecutor(a.jobs, mp_context=mp.get_context("spawn")) as pool:
        rows = list(pool.map(train_row, [a.run] * len(a.gates), a.gates, [a.seed] * len(a.gates)))
    for r in rows: print(json.dumps(r), flush=True)
    if a.out:
        with open(a.out, "w") as f: json.dump(rows, f, indent=1); f.write("\n")

if __name__ == "__main__": main()
