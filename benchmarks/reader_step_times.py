"""Training step and greedy-reading time of reader sizes × patch budgets (CPU), used to
choose the bundled reader's size and to price a larger one. Each configuration is warmed
up once, then timed. ``medium`` and ``large`` are not sizes `train reader` offers: they
are what the 50 MB limit of the real-documents issue would allow (≈ 2× and ≈ 2.4× the
parameters of ``small``), timed here before anyone spends the CPU-hours to train one.

    python benchmarks/reader_step_times.py [--steps 4] [--json FILE]
"""

from __future__ import annotations

import argparse
import random
import time

from literate.io import write_result
from literate.reader.model.config import ReaderSize

LARGER = {  # text dim, layers, heads; vision dim, layers, heads; latents, patches, positions
    "medium": ReaderSize(256, 5, 4, 256, 5, 8, 128, 256, 2048),
    "large": ReaderSize(256, 6, 4, 256, 6, 8, 128, 256, 2048),  # 48.5 MB: the largest
}
CONFIGS = [("tiny", 64), ("tiny", 256), ("small", 128), ("small", 256), ("small", 512)]
CONFIGS += [("medium", 128), ("large", 128)]
READ_BATCH = 16  # line pieces a forward pass, as the bundled reader reads a page


def measure(size: str, patches: int, steps: int, batch: int) -> dict:
    import torch

    from literate.data.corpora import load_corpus
    from literate.reader.model.tiny import build_reader
    from literate.reader.train.aids.image_signal import init_reader
    from literate.reader.train.collator import ReaderCollator
    from literate.reader.train.data import SnippetDataset

    model, processor = build_reader(None, LARGER.get(size, size), coordinate_bins=1024)
    init_reader(model)
    model.train()
    texts = [d.text for d in load_corpus("shakespeare")[:20]]
    data = SnippetDataset(texts, batch * (steps + 1), seed=0, level="line")
    collate = ReaderCollator(processor, patches, "ocr", coordinate_bins=1024)
    batches = [collate([data[i * batch + j] for j in range(batch)]) for i in range(steps + 1)]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step(b):
        model(**b).loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    step(batches[0])
    start = time.perf_counter()
    for b in batches[1:]:
        step(b)
    step_s = (time.perf_counter() - start) / steps
    model.eval()
    item = data[0]
    enc = processor(
        text=["<ocr>"], images=[item["image"]], return_tensors="pt", max_patches=patches
    )
    enc.pop("width"), enc.pop("height")
    with torch.no_grad():
        model.generate(**enc, max_new_tokens=8, do_sample=False)
        start = time.perf_counter()
        model.generate(**enc, max_new_tokens=64, min_new_tokens=64, do_sample=False)
        gen_s = (time.perf_counter() - start) / 64
        many = processor(
            text=["<ocr>"] * READ_BATCH,
            images=[data[i]["image"] for i in range(READ_BATCH)],
            return_tensors="pt",
            max_patches=patches,
        )
        many.pop("width"), many.pop("height")
        start = time.perf_counter()
        model.generate(**many, max_new_tokens=32, min_new_tokens=32, do_sample=False)
        batch_gen_s = (time.perf_counter() - start) / 32
    return {
        "size": size,
        "max_patches": patches,
        "parameters": sum(p.numel() for p in model.parameters()),
        "batch": batch,
        "train_step_s": round(step_s, 3),
        "train_lines_per_s": round(batch / step_s, 2),
        "generate_s_per_token": round(gen_s, 4),
        "generate_batch_s_per_token": round(batch_gen_s, 4),  # READ_BATCH pieces, prefill in
        "safetensors_mb": round(4 * sum(p.numel() for p in model.parameters()) / 2**20, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="benchmarks/results/reader_step_times.json")
    a = ap.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    random.seed(0)
    rows = [measure(s, p, a.steps, a.batch) for s, p in CONFIGS]
    base = rows[0]["train_step_s"]
    head = ("size", "patches", "params", "MB", "step s", "×tiny64", "lines/s", "s/token")
    head += ("s/tok×16",)
    print(" ".join(f"{h:>9}" for h in head))
    for r in rows:
        r["step_vs_tiny_64"] = round(r["train_step_s"] / base, 2)
        cells = (r["size"], r["max_patches"], f"{r['parameters']:,}", r["safetensors_mb"])
        cells += (r["train_step_s"], r["step_vs_tiny_64"], r["train_lines_per_s"])
        cells += (r["generate_s_per_token"], r["generate_batch_s_per_token"])
        print(" ".join(f"{c:>9}" for c in cells))
    cmd = f"python benchmarks/reader_step_times.py --steps {a.steps} --batch {a.batch}"
    write_result(a.json, {"threads": a.threads, "read_batch": READ_BATCH, "rows": rows}, cmd)


if __name__ == "__main__":
    main()
