"""Time the evaluation stage on a run folder: its main model and baselines (ablations left out, as in bench/run.py).

    python bench/evaluate.py runs/oewn --json data/results/oewn-evaluate-bench.json

Three parts, each in CPU seconds (this process) and wall seconds: reading every vectors file, scoring every model
(analogies, word pairs, clustering, neighbours, on its own vocabulary and on the shared one), and the reverse
dictionary. Nothing is written into the run. Evaluation runs on one thread, so CPU and wall seconds are close on a
quiet machine.
"""
import argparse, json, os, resource, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def cpu_now():
    s = resource.getrusage(resource.RUSAGE_SELF)
    return s.ru_utime + s.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run"); ap.add_argument("--json", default=None, help="write the timings here")
    a = ap.parse_args()
    from wordscrunch.data import RunFolder
    from wordscrunch.evaluate import _reverse_dictionary, evaluate_vectors, is_ablation, load_kv, run_vectors
    run = RunFolder(a.run)
    found = {n: p for n, p in run_vectors(run).items() if not is_ablation(p)}
    rows = []
    def timed(name, fn):
        c, w = cpu_now(), time.perf_counter(); r = fn()
        rows.append({"part": name, "cpu_s": cpu_now() - c, "wall_s": time.perf_counter() - w})
        print(f"[bench] {name}: {rows[-1]['cpu_s']:.1f} CPU s, {rows[-1]['wall_s']:.1f} s", flush=True)
        return r
    kvs = timed("read the vectors", lambda: {n: load_kv(p) for n, p in found.items()})
    timed("score every model", lambda: evaluate_vectors(kvs, sources=found, progress=False))
    timed("reverse dictionary", lambda: _reverse_dictionary(found, run, None, kvs))
    out = {"run": run.root.name, "models": {n: len(kv) for n, kv in kvs.items()}, "parts": rows,
           "cpu_s": sum(r["cpu_s"] for r in rows), "wall_s": sum(r["wall_s"] for r in rows)}
    print(f"[bench] evaluate, {len(kvs)} models: {out['cpu_s']:.0f} CPU s, {out['wall_s']:.0f} s")
    if a.json:
        with open(a.json, "w") as f: json.dump(out, f, indent=1)


if __name__ == "__main__": main()
