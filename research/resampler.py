"""Where does a from-scratch reader lose *what* the text says? In the resampler.

Kosmos-2.5's image-to-text resampler: learnt latent queries cross-attend to the image
patches (and to themselves). Under our initialisation (``signal.init_reader``) every latent
first mean-pools the image; if training never breaks that symmetry, the decoder sees one
vector repeated, which says where the text is and how long it is, but not which letter is
where. This benchmark measures, after training on random character strings (no language
prior to guess from), the latents' similarity, the resampler's attention entropy and
whether the model reads, for three initialisations of the resampler:

- ``literate``: ``init_reader`` as is;
- ``q30``: plus the query projection × 30 (large, distinct random queries);
- ``cells``: each latent starts as the mean key of one cell of a (row band × column band)
  grid of the image (from 64 training images; ``q_proj`` = 8·I; its scale calibrated so
  half of a latent's attention falls in its cell), latents in reading order.

    python research/resampler.py [--steps 2000] [--size tiny] \\
        [--json research/results/resampler.json]

Also scores existing checkpoints (``--models``) with the same probes, no training.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from word_reading import read_set

from literate.io import write_result

VARIANTS = ("literate", "q30", "cells")


def probe_images(n: int = 64, seed: int = 123, split: str = "train") -> list:
    from literate.data.corpora import load_corpus
    from literate.data.render import test_fonts
    from literate.data.splits import get_split
    from literate.reader.train.data import SnippetDataset

    texts = [d.text for d in get_split(load_corpus("random"), split)]
    fonts = test_fonts() if split == "test" else None
    data = SnippetDataset(texts, n, seed, fonts=fonts, level="word")
    return [data[i]["image"] for i in range(n)]


def resampler_attention(model, feats):
    """Head-averaged attention ``[B, L, N + L]`` of the latents over patches + latents
    (recomputed: SDPA does not return weights)."""
    import torch

    p = model.image_to_text_projection
    hs = p.dense(feats)
    lat = p.latent_query.unsqueeze(0).expand(hs.size(0), -1, -1)
    kv = torch.cat([hs, lat], 1)
    a = p.x_attn
    h, d = a.num_heads, a.head_dim
    q = a.q_proj(lat).view(*lat.shape[:2], h, d).transpose(1, 2)
    k = a.k_proj(kv).view(*kv.shape[:2], h, d).transpose(1, 2)
    return (q @ k.transpose(-1, -2) * a.scaling).softmax(-1).mean(1)


def probe(model, processor, images, max_patches: int) -> dict:
    """Latent similarity, attention entropy over the real patches (1 = uniform) and the
    share of attention on the latents themselves."""
    import torch
    from torch.nn import functional as F

    from literate.reader.train.aids.image_signal import pairwise_similarity

    batch = processor(images=images, text=["<ocr>"] * len(images), return_tensors="pt",
                      max_patches=max_patches)  # fmt: skip
    fp = batch["flattened_patches"]
    with torch.no_grad():
        feats = F.normalize(model.vision_model(flattened_patches=fp).last_hidden_state, dim=-1)
        latents, _ = model.image_to_text_projection(feats)
        att = resampler_attention(model, feats)
    n = fp.shape[1]
    real = (fp[..., 2:].abs().sum(-1) > 0).float()  # [B, N]
    on_patches = att[..., :n] * real.unsqueeze(1)
    dist = on_patches / on_patches.sum(-1, keepdim=True)
    entropy = -(dist.clamp_min(1e-12).log() * dist).sum(-1) / real.sum(-1, keepdim=True).log()
    return {
        "latent_similarity": round(pairwise_similarity(latents), 4),
        "attention_entropy": round(float(entropy.mean()), 4),
        "attention_on_latents": round(float(att[..., n:].sum(-1).mean()), 4),
    }


def init_cells(model, processor, max_patches: int, target: float = 0.5, gamma: float = 8.0):
    """The ``cells`` variant (see the module docstring)."""
    import torch
    from torch.nn import functional as F

    images = probe_images()
    fp = processor(images=images, text=["<ocr>"] * len(images), return_tensors="pt",
                   max_patches=max_patches)["flattened_patches"]  # fmt: skip
    p = model.image_to_text_projection
    with torch.no_grad():
        feats = F.normalize(model.vision_model(flattened_patches=fp).last_hidden_state, dim=-1)
        keys = p.x_attn.k_proj(p.dense(feats))
        rows, cols = fp[..., 0], fp[..., 1]
        real = fp[..., 2:].abs().sum(-1) > 0
        n_lat, dim = p.latent_query.shape
        g_r = max(1, round(math.sqrt(n_lat / 8)))
        g_c = n_lat // g_r
        r_max = rows.amax(1, keepdim=True).clamp_min(1)
        c_max = cols.amax(1, keepdim=True).clamp_min(1)
        cell = ((rows - 1) / r_max * g_r).floor().clamp(0, g_r - 1) * g_c + (
            (cols - 1) / c_max * g_c
        ).floor().clamp(0, g_c - 1)
        k_real, c_real = keys[real], cell[real].long()
        mean = k_real.mean(0)
        proto = torch.stack(
            [(k_real[c_real == j].mean(0) if (c_real == j).any() else mean) - mean
             for j in range(n_lat)]
        )  # fmt: skip
        proto = F.normalize(proto, dim=-1)
        p.x_attn.q_proj.weight.copy_(torch.eye(dim) * gamma)
        p.x_attn.q_proj.bias.zero_()
        n = fp.shape[1]
        own = ((cell.unsqueeze(1) == torch.arange(n_lat)[None, :, None]) & real[:, None]).float()
        for beta in (1, 2, 4, 8, 16, 32, 64, 128):
            p.latent_query.copy_(proto * beta / gamma)
            in_cell = (resampler_attention(model, feats)[..., :n] * own).sum(-1).mean()
            if in_cell >= target:
                break
    return {"beta": beta, "attention_in_own_cell": round(float(in_cell), 4)}


def train_variant(variant: str, size: str, steps: int, out: Path, max_patches: int) -> dict:
    import torch

    import literate.reader.train.trainer as tr

    load_base, extra = tr.load_base, {}

    def patched(cfg):
        model, processor = load_base(cfg)
        p = model.image_to_text_projection
        if variant == "q30":
            with torch.no_grad():
                p.x_attn.q_proj.weight.mul_(30.0)
        elif variant == "cells":
            extra.update(init_cells(model, processor, max_patches))
        return model, processor

    tr.load_base = patched
    try:
        cfg = tr.ReaderTrainConfig(
            out=str(out), base=f"scratch:{size}", level="word", text="random",
            max_patches=max_patches, batch_size=16, lr=1e-3, max_steps=steps,
            warmup_steps=100, train_samples=40000, eval_steps=max(1, steps // 4),
            save_steps=steps, threads=torch.get_num_threads(),
        )  # fmt: skip
        summary = tr.train_reader(cfg)
    finally:
        tr.load_base = load_base
    last = summary["image_gap_curve"][-1]
    return {
        **extra,
        "seconds": round(summary["seconds"], 1),
        "eval_loss_right": round(last["eval_loss_right"], 4),
        "image_gap_text": round(last.get("eval_image_gap_text", 0.0), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--size", default="tiny")
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS))
    ap.add_argument("--models", nargs="*", default=[], help="checkpoints to probe, no training")
    ap.add_argument("--max-patches", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="research/results/resampler.json")
    a = ap.parse_args()
    import torch

    from literate.reader.engines.kosmos import KosmosEngine

    torch.set_num_threads(a.threads)
    held_out = probe_images(split="test")
    jobs = [(v, Path(f"runs/resampler/{a.size}-{v}-{a.steps}")) for v in a.variants]
    jobs += [(None, Path(m)) for m in a.models]
    rows = []
    for variant, path in jobs:
        row = {"model": str(path), "variant": variant, "steps": a.steps if variant else None}
        if variant:
            row |= train_variant(variant, a.size, a.steps, path, a.max_patches)
        engine = KosmosEngine.from_pretrained(str(path))
        row |= probe(engine.model, engine.processor, held_out, a.max_patches)
        for text in ("random", "shakespeare"):
            read, _ = read_set(str(path), "word", text, a.max_patches, 200)
            row[f"char_ned_{text}"], row[f"word_f1_{text}"] = read["char_ned"], read["word_f1"]
        print(row, flush=True)
        rows.append(row)
    write_result(a.json, {"rows": rows})
    cols = ("model", "latent_similarity", "attention_entropy", "char_ned_random",
            "char_ned_shakespeare", "word_f1_shakespeare")  # fmt: skip
    print("| " + " | ".join(cols) + " |")
    for r in rows:
        print("| " + " | ".join(str(r.get(c)) for c in cols) + " |")


if __name__ == "__main__":
    main()
