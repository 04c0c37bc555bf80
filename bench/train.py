"""Time one training epoch of wordscrunch (default mode) vs one epoch of gensim Word2Vec skip-gram on the same text.

Usage: python bench/train.py [--run runs/demo] [--full] [--threads 2]
Uses the run's attention graph and `wordscrunch.data.w2v_sentences(run)` when a prepared+extracted run exists;
otherwise builds a synthetic graph (demo-sized, or OEWN-sized with --full) and says so. Prints both times and the
ratio wordscrunch / word2vec (target <= 1.0).
"""
import argparse, os, sys, tempfile, time
from pathlib import Path

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default=None, help="a run folder with vocab.parquet and attention/ (default runs/demo or runs/oewn)")
    ap.add_argument("--full", action="store_true", help="all of OEWN (runs/oewn), or an OEWN-sized synthetic graph")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--mode", default=None, help="wordscrunch mode (default: the package default)")
    a = ap.parse_args()
    import numpy as np, torch
    from wordscrunch import train as T
    torch.set_num_threads(a.threads)
    run = Path(a.run or ("runs/oewn" if a.full else "runs/demo"))
    graph, sents, src = None, None, ""
    if (run/"vocab.parquet").exists() and (run/"attention").exists():
        try:
            graph = T.graph_from_run(run, layers="all", heads="mean")
            import wordscrunch.data as D
            if hasattr(D, "w2v_sentences"): sents = D.w2v_sentences(run)
            else:
                import pandas as pd
                desc = pd.read_parquet(run/"descriptions.parquet")
                toks = lambda t: [w for w in (D.lemma(x) for x in D.word_tokens(t)) if w not in D.STOPWORDS]
                sents = [[w] + toks(t) for w, t in zip(desc.word, desc.text)]
            src = f"real data from {run}"
        except Exception as e:   # attention stage not usable yet
            print(f"could not load {run} ({type(e).__name__}: {e}); falling back to a synthetic graph")
            graph = None
    if graph is None:
        V = 90_000 if a.full else 6_000
        from wordscrunch.testing import synthetic_graph
        graph = synthetic_graph(n_groups=V // 100, per_group=100, n_desc=1.5, ctx_len=8, p_in=0.7, seed=0)
        # word2vec's text: the headword followed by its description's context words (the same tokens the graph uses)
        sents = [[graph.words[h]] + [graph.words[j] for j in graph.ctx[p:q]]
                 for h, p, q in zip(graph.word_ids, graph.ptr[:-1], graph.ptr[1:])]
        src = (f"SYNTHETIC graph with {'OEWN' if a.full else 'demo'}-like sizes (no prepared+extracted run at {run}); "
               "rerun on real data")
    n_tok = sum(map(len, sents))
    print(f"data: {src}\n  vocab {graph.n_vocab}, descriptions {graph.n_desc}, context entries {len(graph.ctx)}, "
          f"w2v sentences {len(sents)} ({n_tok} tokens); dim {a.dim}, threads {a.threads}")

    from gensim.models import Word2Vec
    w2v = Word2Vec(vector_size=a.dim, sg=1, window=5, negative=5, min_count=1, workers=a.threads, seed=0)
    w2v.build_vocab(sents)
    t0 = time.perf_counter(); w2v.train(sents, total_examples=len(sents), epochs=1); t_w2v = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as d:
        kw = {} if a.mode is None else {"mode": a.mode}
        t0 = time.perf_counter()
        r = T.train(graph=graph, out=d, epochs=1, dim=a.dim, eval_fn=None, select="last", threads=a.threads,
                    progress=False, **kw)
        t_all = time.perf_counter() - t0
    t_ws = r.history[-1]["seconds"]
    print(f"word2vec skip-gram, 1 epoch:           {t_w2v:7.2f} s")
    print(f"wordscrunch ({r.history and T.DEFAULT_MODE if a.mode is None else a.mode}), 1 epoch:        {t_ws:7.2f} s"
          f"   (whole train() call incl. init, checkpoint, vectors.txt: {t_all:.2f} s)")
    print(f"ratio wordscrunch / word2vec (epoch):  {t_ws / t_w2v:7.2f}   (target <= 1.0)")

if __name__ == "__main__": main()
