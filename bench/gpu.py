"""GPU check of stage 1, self-contained (torch + transformers + numpy only, for a machine without our package or
weights). `prepare` (here): write the demo's template inputs (token ids, target positions) and an fp16 copy of the
model into DIR. `check` (on the GPU machine): load those weights in fp32 on the CPU (the reference) and on cuda
(fp32 and the cuda default, bf16), run the same length-sorted batches with attentions, pool them as extract does
(all layers, mean over heads, the target's rows), and print the throughput (descriptions/s) and the largest
absolute difference of the pooled attention weights (and of the target's last hidden state) from CPU fp32.

Usage: python bench/gpu.py prepare DIR [--run runs/demo]   then   python bench/gpu.py check DIR [--n-ref 2048]
"""
import argparse, json, sys, time
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
    save_file({k: v.half().contiguous() for k, v in load_file(src/"model.safetensors").items()}, folder/"model.safetensors")
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


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["prepare", "check"]); ap.add_argument("dir")
    ap.add_argument("--run", default="runs/demo"); ap.add_argument("--n-ref", type=int, default=2048)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--device", default="cuda"); ap.add_argument("--limit", type=int, default=None)
    a = ap.parse_args()
    prepare(a.dir, a.run) if a.cmd == "prepare" else check(a.dir, a.n_ref, a.batch_size, a.device, a.limit)
