"""GPU check of stage 1, self-contained (torch + transformers + numpy only, for a machine without our package or
weights). `prepare` (here): write the demo's template inputs (token ids, target positions) and an fp16 copy of the
model into DIR. `check` (on the GPU machine): load those weights in fp32 on the CPU (the reference) and on cuda
(fp32, extract's default there too, and bf16), run the same length-sorted batches with attentions, pool them as extract does
(all layers, mean over heads, the target's rows), and print the throughput (descriptions/s) and the largest
absolute difference of the pooled attention weights (and of the target's last hidden state) from CPU fp32.

Usage: python bench/gpu.py prepare DIR [--run runs/demo]   then   python bench/gpu.py check DIR [--n-ref 2048]

`extract` times the package's own stage 1 on a device, in float32 and bfloat16: a bare forward pass with attentions
over a run's template inputs, then `extract` (both stored poolings and the target states) into a scratch copy of the
run (`--work`), and writes the numbers as JSON (`--out`). `compare A B [B2 ...]` says how far attention caches of the same
descriptions are from run A's (e.g. cuda caches against the CPU's, made with the same weights), as JSON with `--out`.

    python bench/gpu.py extract runs/demo runs/oewn --batch-size 256 --work /tmp/gpu --out gpu-extract.json   # on the GPU
    python bench/gpu.py compare runs/demo /tmp/gpu/demo-float32 /tmp/gpu/demo-bfloat16 --out gpu-compare.json
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch


def prepare(folder, run):
    import pandas as pd
    from safetensors.torch import load_file, save_file
    from wordscrunch.attention import build_input, default_model_path, load_model, plan_description, _encode
    folder = Path(folder); folder.mkdir(parents=True, exist_ok=True)
    tok, _ = load_model()
    desc = pd.read_parquet(Path(run)/"descriptions.parquet")
    vocab = pd.read_parquet(Path(run)/"vocab.parquet"); vids = dict(zip(vocab.word, vocab.id))
    inputs = [build_input(w, t) for w, t in zip(desc.word, desc.text)]
    encs, _ = _encode(tok, [x[0] for x in inputs], 512)
    ids, qpos = [], []
    for (w, (text, q, d)), (i, o, s) in zip(zip(desc.word, inputs), encs):
        qp = plan_description(w, vids[w], text, q, d, o, s, vids)[0]
        if len(qp): ids.append(np.asarray(i, np.int32)); qpos.append(np.asarray(qp, np.int32))
    cat = lambda xs: (np.concatenate(xs), np.concatenate([[0], np.cumsum([len(x) for x in xs])]).astype(np.int64))
    (i, io), (q, qo) = cat(ids), cat(qpos)
    np.savez(folder/"inputs.npz", ids=i, ids_off=io, qpos=q, qpos_off=qo, pad_id=np.int64(tok.pad_token_id or 0))
    src = Path(default_model_path())
    save_file({k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in load_file(src/"model.safetensors").items()},
              folder/"model.safetensors")
    (folder/"config.json").write_text((src/"config.json").read_text())
    print(f"{len(ids)} inputs and an fp16 copy of {src.name} in {folder}")


def batches(data, order, bs, dev):
    "Padded (input_ids, mask, qidx, qw) batches in the given order."
    ids, io, q, qo = data["ids"], data["ids_off"], data["qpos"], data["qpos_off"]
    for s in range(0, len(order), bs):
        b = order[s:s + bs]
        T = max(io[k + 1] - io[k] for k in b); m = max(qo[k + 1] - qo[k] for k in b)
        x = np.full((len(b), T), int(data["pad_id"]), np.int64); mask = np.zeros((len(b), T), np.int64)
        qi = np.zeros((len(b), m), np.int64); qw = np.zeros((len(b), m), np.float32)
        for r, k in enumerate(b):
            n = io[k + 1] - io[k]; x[r, :n] = ids[io[k]:io[k + 1]]; mask[r, :n] = 1
            nq = qo[k + 1] - qo[k]; qi[r, :nq] = q[qo[k]:qo[k + 1]]; qw[r, :nq] = 1 / nq
        yield b, *(torch.from_numpy(a).to(dev) for a in (x, mask, qi, qw))


def pooled(model, data, order, bs, dev):
    "(all-layer head-mean attention rows from the target [n, T_max], target last hidden states [n, H]) in `order`."
    rows, states = {}, {}
    with torch.inference_mode():
        for b, x, mask, qi, qw in batches(data, order, bs, dev):
            out = model(input_ids=x, attention_mask=mask, output_attentions=True)
            idx = qi[:, None, :, None].expand(-1, out.attentions[0].shape[1], -1, x.shape[1])
            r = sum((a.gather(2, idx).float().mean(1) * qw[:, :, None]).sum(1) for a in out.attentions) / len(out.attentions)
            h = out.last_hidden_state.float().gather(1, qi[:, :, None].expand(-1, -1, out.last_hidden_state.shape[-1]))
            h = (h * qw[:, :, None]).sum(1)
            r, h = r.cpu().numpy(), h.cpu().numpy()
            for j, k in enumerate(b): rows[k] = r[j, :data["ids_off"][k + 1] - data["ids_off"][k]]; states[k] = h[j]
    return rows, states


def check(folder, n_ref, bs, dev="cuda", limit=None):
    from transformers import AutoModel
    folder = Path(folder)
    data = dict(np.load(folder/"inputs.npz"))
    n = min(len(data["ids_off"]) - 1, limit or 10**9)
    order = sorted(range(n), key=lambda k: (data["ids_off"][k + 1] - data["ids_off"][k], k))
    ref_order = sorted(range(min(n_ref, n)), key=lambda k: (data["ids_off"][k + 1] - data["ids_off"][k], k))
    load = lambda dt, dev: AutoModel.from_pretrained(folder, attn_implementation="eager", dtype=dt).eval().to(dev)
    cpu = load(torch.float32, "cpu")
    t = time.perf_counter(); ref_rows, ref_states = pooled(cpu, data, ref_order, bs, "cpu"); t_cpu = time.perf_counter() - t
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    res = {"device": torch.cuda.get_device_name(0) if dev == "cuda" else "cpu", "torch": torch.__version__, "n_descriptions": n, "n_compared": len(ref_order),
           "batch_size": bs, "cpu_fp32_desc_per_s": len(ref_order) / t_cpu, "cpu_threads": torch.get_num_threads()}
    for name, dt in [("cuda_fp32", torch.float32), ("cuda_bf16", torch.bfloat16)]:
        m = load(dt, dev)
        pooled(m, data, order[:bs * 4], bs, dev); sync()            # warm-up
        t = time.perf_counter(); rows, states = pooled(m, data, order, bs, dev); sync()
        res[f"{name}_desc_per_s"] = n / (time.perf_counter() - t)
        res[f"{name}_max_abs_diff_attention"] = float(max(np.abs(rows[k] - ref_rows[k]).max() for k in ref_order))
        res[f"{name}_max_abs_diff_state"] = float(max(np.abs(states[k] - ref_states[k]).max() for k in ref_order))
        del m
        if dev == "cuda": torch.cuda.empty_cache()
    print(json.dumps(res, indent=1))
    return res


def bare_seconds(tok, model, run, batch_size, device):
    "Seconds of one forward pass with attentions over `run`'s template inputs, length-sorted as extract sorts them."
    import pandas as pd
    from wordscrunch.attention import bare_forward, template_ids
    ids = template_ids(tok, pd.read_parquet(Path(run)/"descriptions.parquet"))
    sync = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)
    sync(); t = time.perf_counter()
    bare_forward(tok, model, ids, batch_size)
    sync(); return time.perf_counter() - t, len(ids)


def timed_extract(run, work, device="cuda", dtype="float32", batch_size=256):
    "A bare pass (after one to warm up) and `extract` of both poolings and the target states, on a scratch copy of `run`."
    import shutil
    from wordscrunch.attention import extract, load_model
    out = Path(work)/f"{Path(run).name}-{dtype}"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    for f in ("descriptions.parquet", "vocab.parquet", "config.json"): shutil.copy2(Path(run)/f, out/f)
    tok, model = load_model(None, device, dtype)
    bare_seconds(tok, model, out, batch_size, device)
    bare, n = bare_seconds(tok, model, out, batch_size, device)
    t = time.perf_counter()
    keys = extract(out, model=(tok, model), device=device, dtype=dtype, poolings=[("all", "mean"), ("last", "mean")],
                   states=True, batch_size=batch_size, progress=False)
    took = time.perf_counter() - t
    peak = torch.cuda.max_memory_allocated() / 2**30 if str(device).startswith("cuda") else None
    if peak is not None: torch.cuda.reset_peak_memory_stats()
    return dict(run=Path(run).name, dtype=dtype, descriptions=n, bare_s=round(bare, 2), extract_s=round(took, 2),
                extract_per_bare=round(took / bare, 2), keys=keys, peak_gib=None if peak is None else round(peak, 2))


def extract_bench(runs, work, out, device="cuda", batch_size=256):
    import transformers
    res = {"device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu", "torch": torch.__version__,
           "transformers": transformers.__version__, "batch_size": batch_size, "rows": []}
    for run in runs:
        for dtype in ("float32", "bfloat16"):
            res["rows"].append(timed_extract(run, work, device, dtype, batch_size)); print(res["rows"][-1], flush=True)
            if out: Path(out).write_text(json.dumps(res, indent=1))
    return res


def compare(a, b, key="all-mean"):
    "Largest and mean |w_a - w_b| of two attention caches (keys starting with `key`), and how often their top word agrees."
    from wordscrunch.attention import list_attention, load_attention
    pick = lambda run: next(m["key"] for m in list_attention(run) if m["key"].startswith(key))
    A, B = (load_attention(r, pick(r)).set_index("desc_id") for r in (a, b))
    A, B = A.loc[A.index.intersection(B.index)], B.loc[A.index.intersection(B.index)]
    same_ctx = np.array([np.array_equal(x, y) for x, y in zip(A.ctx_ids, B.ctx_ids)])
    d = np.concatenate([np.abs(np.asarray(x) - np.asarray(y)) for x, y, ok in zip(A.weights, B.weights, same_ctx) if ok])
    top = np.mean([x[np.argmax(w)] == y[np.argmax(v)] for x, w, y, v in zip(A.ctx_ids, A.weights, B.ctx_ids, B.weights)])
    res = dict(descriptions=len(A), same_context_words=float(same_ctx.mean()), max_abs_diff=float(d.max()),
               mean_abs_diff=float(d.mean()), same_top_word=float(top))
    print(json.dumps(res, indent=1)); return res


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["prepare", "check", "extract", "compare"]); ap.add_argument("dir", nargs="+")
    ap.add_argument("--work", default="/tmp/wordscrunch-gpu"); ap.add_argument("--out", default=None)
    ap.add_argument("--key", default="all-mean")
    ap.add_argument("--run", default="runs/demo"); ap.add_argument("--n-ref", type=int, default=2048)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--device", default="cuda"); ap.add_argument("--limit", type=int, default=None)
    a = ap.parse_args()
    if a.cmd == "prepare": prepare(a.dir[0], a.run)
    elif a.cmd == "check": check(a.dir[0], a.n_ref, a.batch_size, a.device, a.limit)
    elif a.cmd == "extract": extract_bench(a.dir, a.work, a.out, a.device, a.batch_size)
    else:
        res = {Path(b).name: compare(a.dir[0], b, key=a.key) for b in a.dir[1:]}
        if a.out: Path(a.out).write_text(json.dumps(res, indent=1))
