"""Which attention pooling to train on, chosen on dev data only: the default trained on each of several poolings.

    python bench/poolings.py runs/oewn --set hidden=64 --out data/results/oewn-poolings.csv

A run stores two poolings (all layers and heads averaged, the default; the last layer, for the `layers-last`
ablation). This extracts the others in `POOLINGS` from one more forward pass over the run's descriptions, into a
scratch folder beside the run (`--work`, default RUN-poolings: a copy of its prepared inputs, so the run itself is
not touched), then trains the default settings (changed by `--set FIELD=VALUE`) on each pooling with one torch
thread and scores the selected epoch on the dev halves of WS353, SimLex-999, MEN and SimVerb and 1,000 even analogy
questions. The extraction is cached and resumes; rows already in `--out` are read back rather than trained again.
On all of OEWN the extra pass costs about as much as the run's own extraction (10 CPU-minutes), and each row about
4 CPU-minutes.
"""
import argparse, json, os, shutil, time
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
import pandas as pd

POOLINGS = [("all", "mean"), ("all", "max"), ("last:3", "mean"), ("rollout", "mean")]   # (layers, heads); the first is the default
DEV = ["ws353", "simlex", "men", "simverb", "analogy", "mean"]


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run"); ap.add_argument("--out", default=None); ap.add_argument("--work", default=None)
    ap.add_argument("--set", nargs="*", default=[], help="TrainConfig changes, e.g. hidden=64")
    a = ap.parse_args()
    from wordscrunch.attention import extract
    from wordscrunch.benchmarks import DevScorer
    from wordscrunch.train import TrainConfig, run_graph, train
    run = Path(a.run); work = scratch(run, Path(a.work or f"{run}-poolings"))
    keys = extract(work, poolings=POOLINGS, progress=True)
    changes = parse_set(a.set)
    done = {(r["pooling"], r["changes"]): r for r in pd.read_csv(a.out).to_dict("records")} if a.out and Path(a.out).exists() else {}
    cfg, ch, scorer = TrainConfig(**changes, threads=1).resolved(), json.dumps(changes, sort_keys=True), None
    for (layers, heads), key in zip(POOLINGS, keys):
        name = f"{layers} layers, {heads} of heads"
        if (name, ch) not in done:
            g = run_graph(work, cfg, key=key); scorer = scorer or DevScorer(g.words); t = time.time()
            r = train(graph=g, cfg=cfg, eval_fn=scorer, progress=False); h = r.history[r.epoch]
            done[name, ch] = {"pooling": name, "changes": ch, "selected epoch": r.epoch,
                          **{c: h[f"dev_{c}"] for c in DEV}}
            print(f"{name}: dev mean {h['dev_mean']:.4f} at epoch {r.epoch} ({time.time() - t:.0f} s)", flush=True)
            if a.out: pd.DataFrame(list(done.values())).round(4).to_csv(a.out, index=False)
    print(pd.DataFrame(list(done.values())).round(3).to_string(index=False))


if __name__ == "__main__": main()
