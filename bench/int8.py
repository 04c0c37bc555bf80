"""int8 on CPU, measured before adopted: dynamic int8 quantisation of the encoder's linear layers (torch's own) against
fp32, on the demo data. Per precision: extraction CPU/wall seconds (attention, both used poolings' default + the target
states, one pass), then the default training and the bert-contextual baseline from that pass, scored on the dev
halves (WS353 dev, SimLex dev, even analogy questions). Adopt int8 as the CPU default only if extraction is >= 1.5x
faster and every dev metric is within 0.005 of fp32.

Usage: python bench/int8.py [--data demo] [--json data/results/int8-demo.json]
"""
import argparse, json, os, resource, shutil, tempfile, time
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from gensim.models import KeyedVectors

from wordscrunch.attention import load_attention
from wordscrunch.baselines import contextual_from_states, states_key
from wordscrunch.cli import do_extract, do_prepare, do_train
from wordscrunch.data import RunFolder, load_descriptions, load_vocab
from wordscrunch.evaluate import score_kv


def cpu_now():
    s = resource.getrusage(resource.RUSAGE_SELF); return s.ru_utime + s.ru_stime


def dev_metrics(kv):
    s = score_kv(kv, cosmul=False)
    return {"ws353 dev": s["ws353"]["dev"]["spearman"], "simlex dev": s["simlex"]["dev"]["spearman"],
            "analogy dev": s["analogy"]["dev"]}


def one(data, root, precision):
    out = str(root/precision)
    do_prepare(data, out)
    c0, w0 = cpu_now(), time.perf_counter()
    do_extract(out, ablation=False, precision=precision)
    r = {"extract_cpu_s": cpu_now() - c0, "extract_wall_s": time.perf_counter() - w0}
    do_train(out)
    run = RunFolder(out)
    r["wordscrunch"] = dev_metrics(KeyedVectors.load_word2vec_format(str(run.vectors_txt)))
    words, E = contextual_from_states(load_attention(run, states_key(run), states=True), load_descriptions(run), load_vocab(run))
    kv = KeyedVectors(E.shape[1]); kv.add_vectors(words, E)
    r["bert-contextual"] = dev_metrics(kv)
    print(precision, json.dumps(r), flush=True)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="demo")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wsint8-"))
    try:
        res = {p: one(a.data, root, p) for p in ("fp32", "int8")}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    f, q = res["fp32"], res["int8"]
    speed = {"cpu": f["extract_cpu_s"] / q["extract_cpu_s"], "wall": f["extract_wall_s"] / q["extract_wall_s"]}
    deltas = {m: {k: q[m][k] - f[m][k] for k in f[m]} for m in ("wordscrunch", "bert-contextual")}
    worst = max(abs(v) for d in deltas.values() for v in d.values())
    adopt = speed["cpu"] >= 1.5 and worst <= 0.005
    out = {"data": a.data, "fp32": f, "int8": q, "speedup": speed, "deltas": deltas, "worst_abs_delta": worst,
           "adopt_int8": adopt, "rule": "adopt only if >= 1.5x faster (CPU time) and every dev metric within 0.005"}
    print(json.dumps(out, indent=1))
    if a.json: Path(a.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
