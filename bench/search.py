"""int8 against float32 search (recall@10 over seeded queries, bytes/vector, queries/s), and the reverse dictionary.

Usage:
  python bench/search.py --vectors runs/oewn/vectors.txt            # the OEWN numbers: 1,000 seeded queries
  python bench/search.py --vectors runs/demo/vectors.txt --size 79683   # OEWN-sized vectors made from the demo
  python bench/search.py --reverse-dictionary runs/oewn --out data/results/oewn-reverse-dictionary.json

--size N makes N vectors from the file (its rows plus noise, `wordscrunch.search.noisy_copies`) and also measures N
random unit vectors, the hardest case; say so when quoting the numbers. Queries/s are on one thread. The target:
recall@10 >= 0.95 at 4x less memory than float32. The reverse dictionary needs GCIDE (apt-get install dict-gcide)
and scores every non-ablation model of the run on the same queries and candidates.
"""
import argparse, json, sys
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", default=None, help="word2vec text file to measure int8 search on")
    ap.add_argument("--size", type=int, default=None, help="make this many vectors from --vectors (noisy copies) and as many random ones")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reverse-dictionary", metavar="RUN", default=None, help="score the reverse dictionary on a run folder")
    ap.add_argument("--n", type=int, default=2000, help="reverse-dictionary queries")
    ap.add_argument("--out", default=None, help="write the results as JSON")
    a = ap.parse_args(argv)
    if not a.vectors and not a.reverse_dictionary: ap.error("give --vectors FILE and/or --reverse-dictionary RUN")
    import numpy as np, pandas as pd
    from wordscrunch import search as S
    pd.set_option("display.width", 160)
    res = {}
    if a.vectors:
        ix = S.WordIndex.from_file(a.vectors)
        sets = {f"{a.vectors} ({len(ix):,} x {ix.dim})": ix.E}
        if a.size:
            sets = {f"{a.size:,} noisy copies of {a.vectors}": S.noisy_copies(ix.E, a.size, seed=a.seed),
                    f"{a.size:,} random unit vectors": S._unit(np.random.default_rng(a.seed + 1).normal(size=(a.size, ix.dim)).astype(np.float32))}
        for name, E in sets.items():
            t = S.compare_int8(E, n_queries=a.queries, k=a.k, seed=a.seed)
            print(f"\n## {name}: {min(a.queries, len(E)):,} seeded queries, recall@{a.k} against exact float32\n{t.round(4).to_string()}")
            res.setdefault("int8", {})[name] = t.reset_index().to_dict("records")
    if a.reverse_dictionary:
        from wordscrunch.evaluate import is_ablation, load_kv, run_vectors, shared_vocab
        run = Path(a.reverse_dictionary)
        models = {k: load_kv(v) for k, v in run_vectors(run).items() if not is_ablation(v)}
        counts = S.run_counts(run/"vectors.txt")
        q = S.reverse_dictionary_queries(shared_vocab(models), n=a.n, seed=a.seed)
        sc = S.reverse_dictionary_scores(models, queries=q, counts=counts)
        print(f"\n## reverse dictionary on {run}: GCIDE (Webster 1913) definitions\n{S.reverse_dictionary_table(sc).to_string()}")
        res["reverse_dictionary"] = sc
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=1, default=float) + "\n")


if __name__ == "__main__":
    sys.exit(main())
