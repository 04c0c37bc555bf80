"""Benchmark stage 1 (attention extraction) on real Open English WordNet glosses.

  (a) the prototype's per-item loop: one unbatched forward pass per description (output_attentions=True), then
      pooling and word mapping in Python, token by token;
  (b) this stage, end to end: `wordscrunch.attention.extract` (read, tokenize, plan, batched forward, pool, write);
  (c) the ceiling: the same length-sorted batches through the model (output_attentions=True), nothing else.

Prints descriptions/s for each, the ratios b/a (target >= 10x) and b/c (target >= 60%), and an estimate for all of
OEWN (134,298 glosses). Usage: python bench/extract.py [--n 600] [--batch-size 64] [--threads 1] [--seed 0] [--repeats 3] [--n-proto 100]
"""
import argparse, gzip, os, shutil, tempfile, time
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pandas as pd
import torch

import wordscrunch.data as data
from wordscrunch.attention import bare_forward, extract, load_model, template_ids, DEFAULT_TEMPLATE

OEWN_GLOSSES = 134_298


def sample_gloss_file(path, n, seed):
    "Write a seeded sample of n OEWN glosses as a `word<TAB>gloss | gloss` file (grouped by word, file order)."
    lines = gzip.open(data.oewn_path(), "rt", encoding="utf-8").read().splitlines()
    pairs = [(w, g) for l in lines if "\t" in l for w, gs in [l.split("\t", 1)] for g in gs.split(" | ")]
    pick = sorted(np.random.default_rng(seed).choice(len(pairs), n, replace=False))
    by = {}
    for i in pick: by.setdefault(pairs[i][0], []).append(pairs[i][1])
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for w, gs in by.items(): f.write(f"{w}\t{' | '.join(gs)}\n")


def prototype_loop(tok, model, desc, vocab_ids):
    "(a): per description, one forward pass and a Python loop over its tokens (the prototype's way)."
    out = []
    for w, t in zip(desc.word, desc.text):
        text = DEFAULT_TEMPLATE.format(word=w, description=t)
        enc = tok(text, return_tensors="pt", truncation=True, max_length=512)
        with torch.no_grad():
            att = model(**enc, output_attentions=True).attentions
        a = torch.stack(att).mean(0)[0].mean(0)               # layers, then heads -> [T,T]
        pieces = tok.convert_ids_to_tokens(enc["input_ids"][0])
        nq = len(tok.tokenize(w))
        row = a[1:1 + nq].mean(0).tolist()
        words, weights, cur = [], [], None
        for i, p in enumerate(pieces):
            if p in tok.all_special_tokens: cur = None; continue
            if p.startswith("##") and cur is not None: weights[-1] += row[i]; words[-1] += p[2:]; continue
            words.append(p); weights.append(row[i]); cur = p
        ctx = {}
        for x, v in list(zip(words, weights))[nq + 1:]:
            if not x.isalpha() or x in data.STOPWORDS: continue
            l = data.lemma(x)
            if l == data.lemma(w) or l not in vocab_ids: continue
            ctx[vocab_ids[l]] = ctx.get(vocab_ids[l], 0) + v
        s = sum(ctx.values())
        out.append({k: v / s for k, v in ctx.items()} if s else None)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: CPU time is meaningful)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n-proto", type=int, default=100, help="descriptions per round for the slow loop (a)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="wsbench-"))
    try:
        sample_gloss_file(tmp/"sample.txt.gz", args.n, args.seed)
        run = data.RunFolder(tmp/"run")
        data.prepare(tmp/"sample.txt.gz", run.root, min_count=1, verbose=False)
        desc, vocab = pd.read_parquet(run.descriptions), pd.read_parquet(run.vocab)
        N = len(desc)
        ntok = np.mean([len(data.word_tokens(t)) for t in desc.text])
        tm = load_model()
        tok, model = tm
        vids = dict(zip(vocab.word, vocab.id))
        print(f"{N} OEWN glosses (seed {args.seed}, {ntok:.1f} words each), MiniLM-L6, batch {args.batch_size}, "
              f"{torch.get_num_threads()} threads, CPU")
        # warm-up, then interleaved rounds (the CPU is shared: medians of rounds, a/b/c measured side by side)
        extract(run, model=tm, batch_size=args.batch_size, progress=False); shutil.rmtree(run.attention)
        sub = desc.iloc[np.random.default_rng(args.seed).permutation(N)[:args.n_proto]]
        ra, rb, rc = [], [], []            # (wall-clock rate, CPU-time rate) per round
        clock = lambda: (time.perf_counter(), time.process_time())
        rate = lambda n, t0: (n / (time.perf_counter() - t0[0]), n / (time.process_time() - t0[1]))
        for _ in range(args.repeats):
            t0 = clock(); prototype_loop(tok, model, sub, vids); ra.append(rate(len(sub), t0))
            t0 = clock(); extract(run, model=tm, batch_size=args.batch_size, progress=False); rb.append(rate(N, t0))
            shutil.rmtree(run.attention)
            ids = template_ids(tok, desc)       # (c): the same length-sorted, padded batches, attentions only
            t0 = clock(); bare_forward(tok, model, ids, args.batch_size); rc.append(rate(N, t0))
        t0 = clock()
        extract(run, model=tm, batch_size=args.batch_size, progress=False,
                poolings=[(l, h) for h in ("mean", "max") for l in ("all", "last", "last:2", "rollout")])
        r8 = rate(N, t0)
        med = lambda r, k: float(np.median([x[k] for x in r]))
        print(f"{'':40s} {'wall-clock':>12s} {'CPU time':>12s}   (desc/s; median of {args.repeats} interleaved rounds)")
        for name, r in [("(a) prototype per-item loop", ra), ("(b) extract, batched, end to end", rb),
                        ("(c) bare batched forward (ceiling)", rc)]:
            print(f"{name:40s} {med(r, 0):12.1f} {med(r, 1):12.1f}")
        print(f"{'    extract, 8 poolings in one pass':40s} {r8[0]:12.1f} {r8[1]:12.1f}")
        for k, what in [(0, "wall-clock"), (1, "CPU time")]:
            print(f"{what:>10s}: b/a = {med(rb, k) / med(ra, k):5.1f}x (target >= 10x)   b/c = {med(rb, k) / med(rc, k):4.0%} "
                  f"(target >= 60%)")
        print(f"(a) timed on {len(sub)} descriptions per round; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} shared cores, so CPU time (process_time, {torch.get_num_threads()} thread) is the steadier measure")
        cpu_b, cpu_8 = med(rb, 1), r8[1]
        print(f"estimate, all of OEWN ({OEWN_GLOSSES:,} glosses): {OEWN_GLOSSES / cpu_b / 60:.0f} CPU-minutes at (b)'s rate "
              f"(8 poolings in one pass: {OEWN_GLOSSES / cpu_8 / 60:.0f}); wall time = that / the cores torch gets to itself; "
              f"at today's wall-clock rate: {OEWN_GLOSSES / med(rb, 0) / 60:.0f} min")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
