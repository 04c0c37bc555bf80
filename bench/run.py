"""Time every stage of a full `wordscrunch run` (ablations excluded) and compare it with its floor: one bare encoder
pass over the same descriptions.

Stages: prepare, extract (the attention pooling the main model trains on, with --ablation-pooling the ablations' too,
and the target states, one pass), train, each baseline,
evaluate, figures. For each: CPU seconds (this process and its child processes, e.g. the Word2Vec grid's), wall
seconds, its share of the run's CPU time. Then the ratio of the whole run's CPU time to the bare pass's (target
<= 1.5), what bert-contextual adds to extraction (target < 5%), and the peak RSS (target < 4 GB).

Usage: python bench/run.py [--oewn] [--out DIR] [--json FILE] [--epochs N] [--precision fp32|int8] [--ablation-pooling]
The demo (default) takes minutes on 2 cores; --oewn (all of Open English WordNet) takes about an hour.
"""
import argparse, json, os, resource, shutil, tempfile, time
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pandas as pd
import torch

from wordscrunch.attention import bare_forward, load_model, template_ids
from wordscrunch.baselines import BASELINES, build_baselines
from wordscrunch.cli import do_extract, do_prepare, do_train
from wordscrunch.data import RunFolder


def cpu_now():
    "CPU seconds so far of this process plus its finished children."
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def timed(rows, name, fn):
    "Run fn(), append (stage, CPU s, wall s) to rows."
    c0, w0 = cpu_now(), time.perf_counter()
    out = fn()
    rows.append({"stage": name, "cpu_s": cpu_now() - c0, "wall_s": time.perf_counter() - w0})
    print(f"[bench] {name}: {rows[-1]['cpu_s']:.1f} CPU s, {rows[-1]['wall_s']:.1f} s", flush=True)
    return out


def bare_pass(run, precision=None, batch_size=64):
    "The floor: the run's template inputs, length-sorted batches, one forward pass with attentions, nothing else."
    tok, model = load_model(precision=precision)
    ids = template_ids(tok, pd.read_parquet(run.descriptions))
    c0, w0 = cpu_now(), time.perf_counter()
    bare_forward(tok, model, ids, batch_size)
    return cpu_now() - c0, time.perf_counter() - w0, len(ids)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--oewn", action="store_true", help="all of Open English WordNet instead of the demo subset")
    ap.add_argument("--out", default=None, help="run folder to use (default: a temporary one, removed afterwards)")
    ap.add_argument("--json", default=None, help="write the table and the ratios here")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--precision", default=None, choices=["fp32", "int8"])
    ap.add_argument("--ablation-pooling", action="store_true",
                    help="also store the ablations' attention poolings in the same pass, as `wordscrunch run` with ablations does")
    a = ap.parse_args()
    tmp = None if a.out else Path(tempfile.mkdtemp(prefix="wsrun-"))
    out = str(a.out or tmp/"run")
    data = "oewn" if a.oewn else "demo"
    rows = []
    try:
        from wordscrunch.evaluate import evaluate_run
        from wordscrunch.visualize import save_figures
        timed(rows, "prepare", lambda: do_prepare(data, out))
        timed(rows, "extract", lambda: do_extract(out, ablation=a.ablation_pooling, precision=a.precision))
        timed(rows, "train", lambda: do_train(out, a.epochs))
        for b in BASELINES:
            timed(rows, f"baseline {b}", lambda: build_baselines(out, which=[b], progress=False))
        timed(rows, "evaluate", lambda: evaluate_run(out))
        timed(rows, "figures", lambda: save_figures(out))
        peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        fc, fw, n = bare_pass(RunFolder(out), a.precision)
        t = pd.DataFrame(rows).set_index("stage")
        t["share"] = t.cpu_s / t.cpu_s.sum()
        total = t.cpu_s.sum()
        ext = t.loc["extract", "cpu_s"]
        ctx = t.loc["baseline bert-contextual", "cpu_s"]
        print(f"\n{data}: {n:,} descriptions, {torch.get_num_threads()} torch threads, load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
        print(t.to_string(float_format=lambda x: f"{x:.2f}" if x < 1 else f"{x:.1f}"))
        print(f"{'whole run':26s} {total:.1f} CPU s, {t.wall_s.sum():.1f} s wall")
        print(f"{'bare encoder pass (floor)':26s} {fc:.1f} CPU s, {fw:.1f} s wall")
        print(f"ratio whole run / bare pass: {total / fc:.2f}x CPU (target <= 1.5), {t.wall_s.sum() / fw:.2f}x wall")
        print(f"extract / bare pass: {ext / fc:.2f}x CPU; bert-contextual adds {ctx / ext:.1%} to extraction (target < 5%)")
        print(f"peak RSS: {peak / 2**20:.2f} GB (target < 4)")
        if a.json:
            Path(a.json).write_text(json.dumps({"data": data, "descriptions": n, "stages": t.reset_index().to_dict("records"),
                "total_cpu_s": total, "total_wall_s": t.wall_s.sum(), "bare_cpu_s": fc, "bare_wall_s": fw,
                "ratio_cpu": total / fc, "contextual_share_of_extract": ctx / ext, "peak_rss_gb": peak / 2**20,
                "ablation_pooling": a.ablation_pooling, "load_average_end": os.getloadavg()[0], "cores": os.cpu_count()}, indent=1))
    finally:
        if tmp: shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
