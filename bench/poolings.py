"""Which attention pooling to train on, chosen on dev data only: the default trained on each of several poolings.

    python bench/poolings.py runs/oewn --set hidden=64 --out data/results/oewn-poolings.csv

A run stores two poolings (all layers and heads averaged, the default; the last layer, for the `layers-last`
ablation). This extracts the others in `POOLINGS` from one more forward pass over the run's descriptions, into a
scratch folder beside the run (`--work`, default RUN-poolings: a copy of its prepared inputs, so the run itself is
not touched), then trains the default settings (changed by `--set FIELD=VALUE`) on each pooling with one torch
thread and scores the selected epoch on the dev halves of WS353, SimLex-999, MEN and SimVerb and 1,000 even analogy
questions. The extraction is cached and resumes; rows already in `--out` are read back rather than trained again.
On all of OEWN the extra pass costs about as much as the run's own extraction (10 CPU-minutes), and each row about
4 CPU-minutes. `--poolings layers` tries single layers and the first layers instead (`POOLINGS`), and `--jobs N`
trains N poolings at a time, each in its own process with one thread (the same rows as one at a time).

    python bench/poolings.py runs/oewn --poolings layers --jobs 2 --out data/results/oewn-poolings-layers.csv

Heads chosen on dev, in two steps. `--poolings heads` is every (layer, head) pair of MiniLM alone, 72 poolings: too
many to train each in full, so they are screened with a short fixed-gate propagation scored once at its last epoch
(with `select=last` a row is scored only at the end). `--poolings best-heads` then reads that table and trains the
default in full on the mean of the k best pairs, for each k in `TOP_HEADS`, beside the mean of all 72.

    python bench/poolings.py runs/oewn --poolings heads --set mode=propagation epochs=12 select=last --jobs 2 \
        --out data/results/oewn-poolings-heads.csv
    python bench/poolings.py runs/oewn --poolings best-heads --jobs 2 --out data/results/oewn-poolings-best-heads.csv

`--top 6 --set seed=1` trains the mean of the best six and the default again with another seed (rows of the same table).
"""
import argparse, json, os, shutil, time
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
import pandas as pd

POOLINGS = {   # name -> [(layers, heads)], the default pooling first
    "default": [("all", "mean"), ("all", "max"), ("last:3", "mean"), ("rollout", "mean")],
    "layers": [("all", "mean"), ("first:2", "mean"), ("first:3", "mean")]
              + [(f"layer:{k}", "mean") for k in range(1, 6)],
    "heads": [("all", "mean")] + [(f"layer:{l}", f"mean:{k}") for l in range(1, 7) for k in range(1, 13)]}   # MiniLM-L6: 6 x 12
DEV = ["ws353", "simlex", "men", "simverb", "analogy", "mean"]
TOP_HEADS = (1, 3, 6, 12, 24, 36)   # `--poolings best-heads`: the mean of the k heads that did best alone on dev, for each k


def best_heads(table, ks=TOP_HEADS):
    "Poolings averaging the k best (layer, head) pairs of a `--poolings heads` table (by dev mean), the default first."
    from wordscrunch.docs import ranked_heads
    rank = ranked_heads(table)
    if len(rank) < max(ks): raise SystemExit(f"{table}: {len(rank)} single-head rows, need {max(ks)}: run --poolings heads first")
    return [("all", "mean")] + [("all", "mean:" + ",".join(f"{l}.{k}" for l, k in sorted(rank[:k]))) for k in ks]


def parse_set(items):
    "TrainConfig changes from FIELD=VALUE strings (values read as JSON where they parse, else as text)."
    out = {}
    for it in items:
        k, _, v = it.partition("=")
        try: out[k] = json.loads(v)
        except json.JSONDecodeError: out[k] = v
    return out


def scratch(run, work):
    "A folder with the run's prepared inputs, to extract other poolings into."
    work.mkdir(parents=True, exist_ok=True)
    for f in ("descriptions.parquet", "vocab.parquet", "config.json"):
        if not (work/f).exists(): shutil.copy2(run/f, work/f)
    return work


def label(layers, heads):
    "A pooling's name in the table: its settings, or for a long list of (layer, head) pairs, their count."
    n = heads.count(",") + 1
    return f"{layers} layers, {heads} of heads" if n <= 3 else f"{layers} layers, mean of {n} heads (the screen's best)"


def train_row(work, cfg, key, name, ch):
    "Train `cfg` on the pooling cached under `key` in `work`; its CSV row (dev scores of the selected epoch)."
    import torch
    from wordscrunch.benchmarks import DevScorer
    from wordscrunch.train import run_graph, train
    torch.set_num_threads(1)
    g = run_graph(work, cfg, key=key); t = time.time()
    last = cfg.select == "last"                        # then only the last epoch is scored, once, at the end
    r = train(graph=g, cfg=cfg, eval_fn=None if last else DevScorer(g.words), progress=False)
    h = DevScorer(g.words)(r.E) if last else r.history[r.epoch]
    print(f"{name}: dev mean {h['dev_mean']:.4f} at epoch {r.epoch} ({time.time() - t:.0f} s)", flush=True)
    return {"pooling": name, "changes": ch, "selected epoch": r.epoch, **{c: h[f"dev_{c}"] for c in DEV}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run"); ap.add_argument("--out", default=None); ap.add_argument("--work", default=None)
    ap.add_argument("--set", nargs="*", default=[], help="TrainConfig changes, e.g. hidden=64")
    ap.add_argument("--poolings", choices=sorted(POOLINGS) + ["best-heads"], default="default",
                    help="which poolings to try (POOLINGS; best-heads: the best k heads of --heads-table averaged)")
    ap.add_argument("--heads-table", default="data/results/oewn-poolings-heads.csv", help="the --poolings heads table best-heads reads")
    ap.add_argument("--top", type=int, nargs="*", default=list(TOP_HEADS), help="with best-heads: the k of the best k heads (TOP_HEADS)")
    ap.add_argument("--jobs", type=int, default=1, help="poolings trained at a time, one process and one thread each")
    a = ap.parse_args()
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing as mp
    from wordscrunch.attention import extract
    from wordscrunch.train import TrainConfig
    run, poolings = Path(a.run), best_heads(a.heads_table, a.top) if a.poolings == "best-heads" else POOLINGS[a.poolings]
    work = scratch(run, Path(a.work or f"{run}-poolings"))
    keys = extract(work, poolings=poolings, progress=True)
    changes = parse_set(a.set)
    done = {(r["pooling"], r["changes"]): r for r in pd.read_csv(a.out).to_dict("records")} if a.out and Path(a.out).exists() else {}
    cfg, ch = TrainConfig(**{"threads": 1, **changes}).resolved(), json.dumps(changes, sort_keys=True)   # --set threads=2 as a run trains
    todo = [(label(layers, heads), key) for (layers, heads), key in zip(poolings, keys)]
    todo = [(name, key) for name, key in todo if (name, ch) not in done]
    with ProcessPoolExecutor(max(1, a.jobs), mp_context=mp.get_context("spawn")) as pool:
        futs = [pool.submit(train_row, work, cfg, key, name, ch) for name, key in todo]
        for f in futs:
            r = f.result(); done[r["pooling"], ch] = r
            if a.out: pd.DataFrame(list(done.values())).round(4).to_csv(a.out, index=False)
    print(pd.DataFrame(list(done.values())).round(3).to_string(index=False))


if __name__ == "__main__": main()
