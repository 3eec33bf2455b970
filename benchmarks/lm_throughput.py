"""Training and evaluation throughput (tokens/s) and peak RSS of each LM preset.

Each preset runs in its own process so peak RSS is its own. Ratios are against the
``nano`` preset measured in the same run.

    python benchmarks/lm_throughput.py [--quick] [--json benchmarks/results/lm_throughput.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from literate.io import write_result


def worker(preset: str, steps: int, batch: int, block: int, threads: int) -> dict:
    import torch
    from transformers import LlamaForCausalLM

    from literate.lm.config import llama_config

    torch.manual_seed(0)
    torch.set_num_threads(threads)
    cfg = llama_config(preset)
    model = LlamaForCausalLM(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randint(4, cfg.vocab_size, (batch, block))

    def train_step():
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    train_step()  # warm-up: allocations, optimizer state
    start = time.perf_counter()
    for _ in range(steps):
        train_step()
    train_s = (time.perf_counter() - start) / steps
    model.eval()
    with torch.no_grad():
        model(input_ids=x)
        start = time.perf_counter()
        for _ in range(steps):
            model(input_ids=x)
        eval_s = (time.perf_counter() - start) / steps
    return {
        "preset": preset,
        "parameters": sum(p.numel() for p in model.parameters()),
        "batch": batch,
        "block": block,
        "threads": threads,
        "train_tokens_per_s": batch * block / train_s,
        "eval_tokens_per_s": batch * block / eval_s,
        "s_per_train_step": train_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps")
    ap.add_argument("--json", default="benchmarks/results/lm_throughput.json")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    steps = 3 if args.quick else 10
    batch, block = 16, 256
    if args.worker:
        print(json.dumps(worker(args.worker, steps, batch, block, args.threads)))
        return
    rows = []
    for preset in ("nano", "small"):
        cmd = [sys.executable, __file__, "--worker", preset, "--threads", str(args.threads)]
        if args.quick:
            cmd.append("--quick")
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    base = rows[0]
    for r in rows:
        r["train_speed_vs_nano"] = r["train_tokens_per_s"] / base["train_tokens_per_s"]
    write_result(args.json, {"rows": rows, "steps": steps})
    print(
        f"{'preset':<7}{'params':>11}{'train tok/s':>13}{'eval tok/s':>12}{'s/step':>8}"
        f"{'peak RSS MB':>13}{'vs nano':>9}"
    )
    for r in rows:
        print(
            f"{r['preset']:<7}{r['parameters']:>11,}{r['train_tokens_per_s']:>13,.0f}"
            f"{r['eval_tokens_per_s']:>12,.0f}{r['s_per_train_step']:>8.2f}"
            f"{r['peak_rss_mb']:>13,.0f}{r['train_speed_vs_nano']:>9.3f}"
        )
    print(f"(batch {batch} × {block} tokens, {args.threads} threads; JSON: {args.json})")


if __name__ == "__main__":
    main()
