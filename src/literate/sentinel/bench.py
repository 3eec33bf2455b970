"""``literate bench sentinel``: sentinel tokens vs window / sinks at equal KV budget.

Two fine-tunes of the bundled base LM on the Shakespeare train split with identical
settings and steps, one with ``<SR>`` sentinels (bounded mode) and one without; then
streamed test perplexity (original tokens only) per policy and budget, streaming throughput
and peak cache on a long text, the streaming-vs-masked exactness, and the cost of building
an 8k-token mask relative to one forward pass. Fine-tuned models are kept in the work
folder, so a rerun skips training.
"""

from __future__ import annotations

import math
import resource
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from literate.io import write_json_atomic
from literate.sentinel.chunking import chunk_text
from literate.sentinel.config import SentinelConfig
from literate.sentinel.mask import build_attention_mask
from literate.sentinel.prepare import prepare_sentinels
from literate.sentinel.stream import (
    Policy,
    SentinelStream,
    cut_lengths,
    masked_logits,
    stream_logits,
)

BUDGETS = (64, 128, 256, 512)


@dataclass(frozen=True)
class Plan:
    steps: int
    docs: int  # test documents scored
    tokens_per_doc: int
    long_tokens: int  # the throughput text
    mask_tokens: int
    budgets: tuple[int, ...] = BUDGETS


def plan(quick: bool) -> Plan:
    if quick:
        return Plan(
            steps=20,
            docs=1,
            tokens_per_doc=384,
            long_tokens=1024,
            mask_tokens=2048,
            budgets=(64, 128),
        )
    return Plan(steps=300, docs=5, tokens_per_doc=1024, long_tokens=16384, mask_tokens=8192)


SENTINEL = SentinelConfig(max_chunk_tokens=24, local_chunks=1, sink_tokens=4, mode="bounded")


def finetune(work: Path, steps: int, sentinel: bool, threads: int) -> str:
    from literate.lm.train import LMTrainConfig, train_lm
    from literate.paths import resolve_model

    out = work / ("sentinel" if sentinel else "baseline")
    if (out / "model.safetensors").is_file() and (out / "train_summary.json").is_file():
        return str(out)
    train_lm(
        LMTrainConfig(
            out=str(out),
            corpus="shakespeare",
            base=resolve_model("bundled"),
            method="full",
            block_size=256,
            batch_size=8,
            lr=1e-3,
            warmup_steps=max(1, steps // 10),
            max_steps=steps,
            eval_steps=max(1, steps // 4),
            save_steps=max(1, steps // 4) * 8,
            eval_blocks=32,
            seed=0,
            keep_best=False,
            threads=threads,
            sentinel=SENTINEL if sentinel else None,
        )
    )
    return str(out)


def _long_text(n_tokens: int, tok) -> str:
    from literate.data.corpora import load_corpus
    from literate.data.splits import get_split

    text = ""
    for doc in get_split(load_corpus("shakespeare"), "test"):
        text += doc.text
        if len(tok(text, add_special_tokens=False)["input_ids"]) >= n_tokens:
            break
    return text


def mask_cost(model, n: int) -> dict:
    """Seconds to build an n-token sentinel mask vs one forward pass over n tokens."""
    lengths = [20] * (n // 21)
    ids = [5] * sum(lengths)
    b = prepare_sentinels([ids], [lengths], 3, SENTINEL)
    start = time.perf_counter()
    mask = build_attention_mask(b.chunk_ids, b.is_sentinel, b.valid, SENTINEL)
    build = time.perf_counter() - start
    start = time.perf_counter()
    with torch.no_grad():
        model(input_ids=b.input_ids, position_ids=b.position_ids, attention_mask=mask)
    forward = time.perf_counter() - start
    return {
        "tokens": b.input_ids.shape[1],
        "build_s": build,
        "forward_s": forward,
        "build_share": build / forward,
    }


def run_bench(quick: bool, json_path: str, work: str | None = None, threads: int = 2) -> dict:
    from rich.console import Console
    from rich.table import Table

    from literate.data.tokenizer import load_tokenizer
    from literate.lm.train import load_model
    from literate.sentinel.evaluate import stream_perplexity

    torch.set_num_threads(threads)
    p = plan(quick)
    work_dir = Path(work or f"runs/bench-sentinel{'-quick' if quick else ''}")
    work_dir.mkdir(parents=True, exist_ok=True)
    models = {
        "baseline": finetune(work_dir, p.steps, False, threads),
        "sentinel": finetune(work_dir, p.steps, True, threads),
    }
    cases = [("baseline", "full", None), ("sentinel", "full", None), ("sentinel", "paper", None)]
    for budget in p.budgets:
        cases += [
            ("baseline", "window", budget),
            ("baseline", "sinks", budget),
            ("sentinel", "sentinel", budget),
        ]
    rows = []
    for model_name, policy, budget in cases:
        r = stream_perplexity(
            models[model_name],
            "shakespeare",
            policy,
            budget,
            "test",
            p.tokens_per_doc,
            config=SENTINEL,
            max_docs=p.docs,
        )
        rows.append(
            {
                "model": model_name,
                "policy": policy,
                "budget": budget,
                "ppl": r.perplexity,
                "loss": r.loss,
                "tokens": r.tokens,
                "tokens_per_s": r.tokens_per_s,
                "peak_cache_tokens": r.peak_cache_tokens,
            }
        )
    # exactness on the trained sentinel model: streaming with eviction vs one masked forward
    tok, model = load_tokenizer(models["sentinel"]), load_model(models["sentinel"])
    text = _long_text(p.long_tokens, tok)
    stream = SentinelStream(model, tok, "sentinel", 128, SENTINEL)
    ids, lengths = chunk_text(text, tok, SENTINEL)
    lengths = cut_lengths(lengths, 400)
    b = prepare_sentinels([ids[: sum(lengths)]], [lengths], stream.sr_id, SENTINEL)
    ids_, _, pos, chunks, sent = b.row()
    row = (ids_, pos, chunks, sent)
    policy = Policy.make("sentinel", 128, SENTINEL)
    diff = float(
        (stream_logits(model, *row, policy).logits - masked_logits(model, *row, policy)).abs().max()
    )
    # throughput and memory over a long text: full vs sentinel
    long_rows = []
    for policy_name, budget in (("sentinel", 256), ("full", None)):
        s = SentinelStream(model, tok, policy_name, budget, SENTINEL)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        score = s.score(text, max_tokens=p.long_tokens)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        long_rows.append(
            {
                "policy": policy_name,
                "budget": budget,
                "tokens": score.sequence_tokens,
                "tokens_per_s": score.sequence_tokens / score.seconds,
                "peak_cache_tokens": score.peak_cache_tokens,
                "ppl": math.exp(score.nll / score.tokens),
                "peak_rss_mb_after": after,
                "rss_growth_mb": after - before,
            }
        )
    cost = mask_cost(model, p.mask_tokens)
    out = Path(json_path)
    payload = {
        "command": "literate bench sentinel"
        + (" --quick" if quick else "")
        + f" --json {json_path}",
        "plan": asdict(p),
        "sentinel_config": asdict(SENTINEL),
        "rows": rows,
        "stream_vs_masked_max_abs_diff": diff,
        "long_text": long_rows,
        "mask_cost": cost,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    payload["figure"] = plot(rows, out.with_suffix(".png"))
    write_json_atomic(out, payload)
    console = Console(width=140)
    table = Table(title=f"streamed test perplexity ({p.docs} plays × {p.tokens_per_doc} tokens)")
    for c in ("model", "policy", "budget", "ppl", "tokens/s", "peak cache"):
        table.add_column(c, justify="right")
    for r in rows:
        table.add_row(
            r["model"],
            r["policy"],
            str(r["budget"] or "–"),
            f"{r['ppl']:.2f}",
            f"{r['tokens_per_s']:,.0f}",
            str(r["peak_cache_tokens"]),
        )
    console.print(table)
    for r in long_rows:
        console.print(
            f"{p.long_tokens:,}-token text, {r['policy']}: {r['tokens_per_s']:,.0f} tokens/s, "
            f"peak cache {r['peak_cache_tokens']:,}, RSS growth {r['rss_growth_mb']:,.0f} MB"
        )
    console.print(
        f"streaming vs masked max abs diff: {diff:.2e}; {cost['tokens']:,}-token mask: "
        f"{cost['build_s']:.3f} s = {100 * cost['build_share']:.1f} % of a forward pass"
    )
    console.print(f"JSON: {out}")
    return payload


def plot(rows: list[dict], path: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for (model, policy), style in {
        ("baseline", "window"): "o-",
        ("baseline", "sinks"): "s-",
        ("sentinel", "sentinel"): "^-",
    }.items():
        pts = sorted(
            (r["budget"], r["ppl"]) for r in rows if r["model"] == model and r["policy"] == policy
        )
        if pts:
            ax.plot(*zip(*pts, strict=True), style, label=f"{model} · {policy}")
    for r in rows:
        if r["budget"] is None:
            ax.axhline(r["ppl"], linestyle=":", linewidth=1, color="grey")
            ax.text(
                0.01,
                r["ppl"],
                f" {r['model']} · {r['policy']} (no eviction)",
                fontsize=7,
                transform=ax.get_yaxis_transform(),
                va="bottom",
            )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("KV budget (tokens)")
    ax.set_ylabel("test perplexity (original tokens)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return str(path)
