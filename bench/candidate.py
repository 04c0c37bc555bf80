"""Score a candidate default on everything the evaluation stage reports, beside the run's main model.

A setting chosen on dev data (by `bench/selection.py` or `bench/poolings.py`) replaces the default only after the
reported run is retrained with it. Before that, this trains the main model's settings with the candidate's changes
(`--set FIELD=VALUE`, two torch threads as a run trains) on a pooling of the scratch folder `bench/poolings.py` uses
(RUN-poolings; the pooling extracted there first if it is missing), and scores it with the run's main model on the
evaluation stage's benchmarks: all 19,544 analogies, the dev and test halves, MEN and SimVerb dev. The candidate was
chosen before its test numbers were seen, and nothing is chosen from them.

    python bench/candidate.py runs/oewn --name mlp-lr-3e-3 --set lr=0.003 --out data/results/oewn-candidate-metrics.json

The candidate trains into WORK/ablations/NAME/ (resumable), so the metrics file reads as an ablation table of two
rows: `python -m wordscrunch.docs --readme` renders it into an `oewn-candidate` block wherever the README has one
(`ablation_table("oewn-candidate")`). The six heads (`--name dev-heads --set heads=mean:1.9,3.3,4.8,5.1,5.2,5.9`)
and then the MLP's learning rate of 3e-3 (the command above, run on the 1e-3 run) were scored so before each became
the default; the file holds the latter, beside the main model of its time.
"""
import argparse, os, time
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
from poolings import parse_set, scratch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run"); ap.add_argument("--name", required=True, help="the candidate's name in the table")
    ap.add_argument("--set", nargs="*", default=[], help="TrainConfig changes, e.g. heads=mean:1.9,5.1")
    ap.add_argument("--work", default=None); ap.add_argument("--out", required=True, help="the metrics JSON to write")
    a = ap.parse_args()
    from wordscrunch.attention import extract
    from wordscrunch.data import write_json
    from wordscrunch.evaluate import evaluate_vectors
    from wordscrunch.train import TrainConfig, run_graph, train
    run = Path(a.run); work = scratch(run, Path(a.work or f"{run}-poolings"))
    cfg = TrainConfig(**parse_set(a.set), name=a.name).resolved()
    key = extract(work, poolings=[(cfg.layers, cfg.heads)], progress=True)[0]
    t = time.time()
    r = train(graph=run_graph(work, cfg, key=key), cfg=cfg, out=work/"ablations"/a.name, progress=True)
    print(f"{a.name}: trained in {time.time() - t:.0f} s, epoch {r.epoch} selected", flush=True)
    m = evaluate_vectors({"wordscrunch": run/"vectors.txt", a.name: work/"ablations"/a.name/"vectors.txt"})
    write_json(m, a.out); print(f"wrote {a.out}")


if __name__ == "__main__": main()
