"""``literate bench sentinel``: sentinel tokens vs window / sinks at equal KV budget.

Two fine-tunes of the bundled base LM on the Shakespeare train split with identical
settings and steps, one with ``<SR>`` sentinels (bounded mode) and one without; then
streamed test perplexity (original tokens only) per policy and budget, streaming throughput
and peak cache on a long text, the streaming-vs-masked exactness, and the cost of building
an 8k-token mask relative to one forward pass. Fine-tuned models and every finished
measurement are kept in the work folder, so a rerun skips them (and an interrupted
fine-tune resumes from its checkpoint): the long plan takes hours of CPU.

``--long`` (issue 22) runs the same comparison on the long-context base ``lm-long``,
fine-tuned on the debian-docs train split at 2,048-token blocks, scored on test texts of
≥ 4,096 tokens at budgets 128–1,024, with recall distances up to 16,384 tokens.
``--long --from-start`` is the issue's fallback when a fine-tune does not teach ``<SR>``
enough: both models start from ``lm-base``, before any long-context training, so the
sentinel model learns long context and ``<SR>`` together.
"""

from __future__ import annotations

import gc
import json
import math
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from literate.errors import LiterateError
from literate.io import command_of, write_json_atomic, write_result
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

if TYPE_CHECKING:
    from literate.sentinel.evaluate import StreamEval

BUDGETS = (64, 128, 256, 512)


@dataclass(frozen=True)
class Plan:
    steps: int
    docs: int  # test documents scored
    tokens_per_doc: int
    long_tokens: int  # the throughput text
    mask_tokens: int
    memory_tokens: tuple[int, ...]  # text lengths for the memory-growth runs
    budgets: tuple[int, ...] = BUDGETS
    recall_distances: tuple[int, ...] = (64, 256, 1024)  # filler tokens, fact to question
    recall_cases: int = 24  # per distance (the same cases for every policy)
    recall_budget: int = 128
    base: str = "bundled"  # the model both fine-tunes start from
    corpus: str = "shakespeare"
    block_size: int = 256
    batch_size: int = 8
    lr: float = 1e-3
    min_doc_tokens: int = 0  # score only test documents at least this long
    # tokens per forward pass under full / paper (no eviction: the same scores as token by
    # token); 1 keeps every policy's tokens/s a token-by-token stream's
    prefill_block: int = 1


def plan(quick: bool, long: bool = False, from_start: bool = False) -> Plan:
    if from_start:
        if not long:
            raise ValueError("from_start is a variant of the long plan")
        # ``<SR>`` from the start of long-context training (SepLLM's from-scratch mode, at
        # the scale this CPU affords): both models are ``lm-base`` (256-token blocks, never
        # saw ``<SR>``) trained on 4,096-token blocks with lm-long's learning rate, one with
        # sentinels and one without. Recall stops at 4,096: a 16k prompt streams token by
        # token at ≈ 150 tokens/s (sentinel_long.json), ≈ 45 min for 8 cases × 3 bounded
        # policies, and the long run's recall was at chance there
        return replace(
            plan(False, long=True),
            base="lm-base",
            block_size=4096,
            batch_size=2,
            lr=1e-3,
            recall_distances=(256, 1024, 4096),
            memory_tokens=(4096,),
        )
    if long:  # issue 22: the long-context base on documentation texts of ≥ 4,096 tokens
        return Plan(
            steps=300,
            docs=8,
            tokens_per_doc=4096,
            long_tokens=16384,
            mask_tokens=8192,
            memory_tokens=(4096, 16384),
            budgets=(128, 256, 512, 1024),
            recall_distances=(256, 1024, 4096, 16384),
            recall_cases=8,
            recall_budget=256,
            base="lm-long",
            corpus="debian-docs",
            block_size=2048,
            batch_size=4,
            lr=3e-4,
            min_doc_tokens=4096,
            prefill_block=512,  # 16k-token recall prompts under full attention
        )
    if quick:
        return Plan(
            steps=20,
            docs=1,
            tokens_per_doc=384,
            long_tokens=1024,
            mask_tokens=2048,
            memory_tokens=(512, 1024),
            budgets=(64, 128),
            recall_distances=(32, 256),
            recall_cases=4,
            recall_budget=64,
        )
    return Plan(
        steps=300,
        docs=5,
        tokens_per_doc=1024,
        long_tokens=16384,
        mask_tokens=8192,
        memory_tokens=(4096, 8192, 16384),
    )


SENTINEL = SentinelConfig(max_chunk_tokens=24, local_chunks=1, sink_tokens=4, mode="bounded")


ROW_KEYS = ("model", "policy", "budget", "ppl", "tokens_per_s", "peak_cache_tokens", "text_tokens")


def perplexity_row(model_name: str, r: StreamEval) -> dict:
    """One row of ``rows`` in the JSON (issue 22's schema, ``ROW_KEYS``, plus loss, tokens)."""
    return {
        "model": model_name,
        "policy": r.policy,
        "budget": r.budget,
        "ppl": r.perplexity,
        "loss": r.loss,
        "tokens": r.tokens,
        "tokens_per_s": r.tokens_per_s,
        "peak_cache_tokens": r.peak_cache_tokens,
        "text_tokens": r.text_tokens,  # mean tokens per evaluated text
        "texts": r.texts,
    }


def _cached(work: Path, key: str, p: Plan, compute):
    """``compute()``, or its result from an earlier run of the same plan in ``work``
    (``rows/<key>.json``, written atomically once computed)."""
    path = work / "rows" / f"{key}.json"
    plan_json = json.loads(json.dumps(asdict(p)))  # tuples read back as lists
    if path.is_file():
        saved = json.loads(path.read_text())
        if saved.get("plan") == plan_json:
            return saved["value"]
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, {"plan": plan_json, "value": value})
    return value


def finetune(work: Path, p: Plan, sentinel: bool, threads: int) -> str:
    from literate.lm.train import LMTrainConfig, train_lm
    from literate.paths import resolve_model
    from literate.sentinel.training import SentinelFormat

    out = work / ("sentinel" if sentinel else "baseline")
    if (out / "model.safetensors").is_file() and (out / "train_summary.json").is_file():
        return str(out)
    steps = p.steps
    train_lm(
        LMTrainConfig(
            out=str(out),
            corpus=p.corpus,
            base=resolve_model(p.base),
            method="full",
            block_size=p.block_size,
            batch_size=p.batch_size,
            lr=p.lr,
            warmup_steps=max(1, steps // 10),
            max_steps=steps,
            eval_steps=max(1, steps // 4),
            save_steps=max(1, steps // 4) * 8,
            eval_blocks=32,
            seed=0,
            keep_best=False,
            threads=threads,
            # a finished run returned above; an interrupted one resumes from its checkpoint
            resume=(out / "trainer").is_dir(),
            overwrite=not (out / "trainer").is_dir(),
        ),
        fmt=SentinelFormat(SENTINEL) if sentinel else None,
    )
    return str(out)


def _long_text(n_tokens: int, tok, corpus: str = "shakespeare") -> str:
    from literate.data.corpora import load_corpus
    from literate.data.splits import get_split

    text = ""
    for doc in get_split(load_corpus(corpus), "test"):
        text += doc.text
        if len(tok(text, add_special_tokens=False)["input_ids"]) >= n_tokens:
            break
    return text


def mask_cost(model, n: int, repeats: int = 3) -> dict:
    """Seconds to build an n-token sentinel mask vs one forward pass over n tokens (both
    warmed up on a short input first; the build is the median of ``repeats``)."""

    def inputs(n_tokens: int):
        lengths = [20] * max(1, n_tokens // 21)
        return prepare_sentinels([[5] * sum(lengths)], [lengths], 3, SENTINEL)

    def build(b):
        return build_attention_mask(b.chunk_ids, b.is_sentinel, b.valid, SENTINEL)

    def forward(b, mask):
        with torch.no_grad():
            model(input_ids=b.input_ids, position_ids=b.position_ids, attention_mask=mask)

    warm = inputs(256)
    forward(warm, build(warm))
    b = inputs(n)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        mask = build(b)
        times.append(time.perf_counter() - start)
    build_s = sorted(times)[len(times) // 2]
    start = time.perf_counter()
    forward(b, mask)
    forward_s = time.perf_counter() - start
    return {
        "tokens": b.input_ids.shape[1],
        "build_s": build_s,
        "forward_s": forward_s,
        "build_share": build_s / forward_s,
    }


def long_run(
    model_dir: str, policy: str, budget: int | None, n_tokens: int, threads: int, corpus: str
) -> dict:
    """Stream ``n_tokens`` of test text with one policy. Run in its own process (see
    ``_long_run_in_process``) so its peak RSS is its own."""
    from literate.data.tokenizer import load_tokenizer
    from literate.lm.train import load_model

    torch.set_num_threads(threads)
    tok, model = load_tokenizer(model_dir), load_model(model_dir)
    text = _long_text(n_tokens, tok, corpus)
    gc.collect()
    rss_loaded = _reset_peak_rss()  # loading the corpus peaks higher than streaming does
    score = SentinelStream(model, tok, policy, budget, SENTINEL).score(text, max_tokens=n_tokens)
    peak = _peak_rss_mb()
    return {
        "policy": policy,
        "budget": budget,
        "text_tokens": n_tokens,
        "tokens": score.sequence_tokens,
        "tokens_per_s": score.sequence_tokens / score.seconds,
        "peak_cache_tokens": score.peak_cache_tokens,
        "ppl": math.exp(score.nll / score.tokens),
        "rss_loaded_mb": rss_loaded,
        "peak_rss_mb": peak,
        "rss_growth_mb": peak - rss_loaded,
    }


def _reset_peak_rss() -> float:
    """Reset the process's peak RSS (Linux ``clear_refs``) and return the current RSS in MB;
    elsewhere the peak cannot be reset and includes the loading."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_mb("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise OSError(field)


def _peak_rss_mb() -> float:
    try:
        return _status_mb("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _long_run_in_process(
    model_dir: str, policy: str, budget: int | None, n_tokens: int, threads: int, corpus: str
) -> dict:
    args = json.dumps([model_dir, policy, budget, n_tokens, threads, corpus])
    proc = subprocess.run(
        [sys.executable, "-m", "literate.sentinel.bench", args], capture_output=True, text=True
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise LiterateError(f"long-text run {policy}/{n_tokens} failed: {tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_bench(
    quick: bool,
    json_path: str,
    work: str | None = None,
    threads: int = 2,
    long: bool = False,
    from_start: bool = False,
) -> dict:
    from rich.console import Console
    from rich.table import Table

    from literate.data.tokenizer import load_tokenizer
    from literate.lm.train import load_model
    from literate.sentinel.evaluate import stream_perplexity

    torch.set_num_threads(threads)
    p = plan(quick, long, from_start)
    suffix = "-long-from-start" if from_start else "-long" if long else "-quick" if quick else ""
    work_dir = Path(work or f"runs/bench-sentinel{suffix}")
    work_dir.mkdir(parents=True, exist_ok=True)
    models = {
        "baseline": finetune(work_dir, p, False, threads),
        "sentinel": finetune(work_dir, p, True, threads),
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

        def score(model_name=model_name, policy=policy, budget=budget) -> dict:
            r = stream_perplexity(
                models[model_name],
                p.corpus,
                policy,
                budget,
                "test",
                p.tokens_per_doc,
                config=SENTINEL,
                max_docs=p.docs,
                min_tokens=p.min_doc_tokens,
                block=p.prefill_block,
            )
            return perplexity_row(model_name, r)

        rows.append(_cached(work_dir, f"ppl-{model_name}-{policy}-{budget}", p, score))
        print(f"{model_name} {policy} {budget}: ppl {rows[-1]['ppl']:.2f}", flush=True)
    # exactness on the trained sentinel model: streaming with eviction vs one masked forward
    tok, model = load_tokenizer(models["sentinel"]), load_model(models["sentinel"])
    text = _long_text(p.long_tokens, tok, p.corpus)
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
    # throughput, cache and RSS over growing texts: full vs sentinel, one process per run
    long_rows = [
        _cached(
            work_dir,
            f"long-{policy_name}-{budget}-{n}",
            p,
            lambda a=(policy_name, budget, n): _long_run_in_process(
                models["sentinel"], *a, threads, p.corpus
            ),
        )
        for policy_name, budget in (("sentinel", 256), ("full", None))
        for n in p.memory_tokens
    ]
    cost = mask_cost(model, p.mask_tokens)
    recall = _recall(models, p, tok, work_dir)
    out = Path(json_path)
    payload = {
        "plan": asdict(p),
        "sentinel_config": asdict(SENTINEL),
        "rows": rows,
        "stream_vs_masked_max_abs_diff": diff,
        "long_text": long_rows,
        "mask_cost": cost,
        "recall": recall,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    payload["figure"] = plot(rows, out.with_suffix(".png"))
    command = command_of(
        "bench sentinel", quick=quick, long=long, from_start=from_start, json=json_path
    )
    write_result(out, payload, command)
    console = Console(width=140)
    title = f"streamed test perplexity ({p.docs} {p.corpus} test texts × {p.tokens_per_doc} tokens)"
    table = Table(title=title)
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
    memory = Table(title="streaming a long test text (sentinel model, one process per run)")
    for c in ("policy", "text tokens", "tokens/s", "peak cache", "peak RSS MB", "RSS growth MB"):
        memory.add_column(c, justify="right")
    for r in long_rows:
        memory.add_row(
            f"{r['policy']} {r['budget'] or ''}".strip(),
            f"{r['text_tokens']:,}",
            f"{r['tokens_per_s']:,.0f}",
            f"{r['peak_cache_tokens']:,}",
            f"{r['peak_rss_mb']:,.0f}",
            f"{r['rss_growth_mb']:,.0f}",
        )
    console.print(memory)
    console.print(
        f"streaming vs masked max abs diff: {diff:.2e}; {cost['tokens']:,}-token mask: "
        f"{cost['build_s']:.3f} s = {100 * cost['build_share']:.1f} % of a forward pass"
    )
    recall_table = Table(title=f"pass-key recall (chance {recall[0]['chance']:.3f})")
    for c in ("model", "policy", "budget", "distance", "accuracy", "n"):
        recall_table.add_column(c, justify="right")
    for r in recall:
        recall_table.add_row(r["model"], r["policy"], str(r["budget"] or "–"),
                             f"{r['distance']:,}", f"{r['accuracy']:.2f}", str(r["n"]))  # fmt: skip
    console.print(recall_table)
    console.print(f"JSON: {out}")
    return payload


def _recall(models: dict[str, str], p: Plan, tok, work: Path) -> list[dict]:
    """Pass-key recall at each distance: the baseline under full, window and sinks, the
    sentinel model under sentinel, all at ``recall_budget`` (fillers: test texts)."""
    from literate.data.tokenizer import load_tokenizer
    from literate.lm.train import load_model
    from literate.sentinel.recall import recall_rows

    filler_text = _long_text(max(p.recall_distances) + 64, tok, p.corpus)
    rows = []
    b = p.recall_budget
    for name, cases in (
        ("baseline", [("full", None), ("window", b), ("sinks", b)]),
        ("sentinel", [("sentinel", b)]),
    ):

        def measure(name=name, cases=cases) -> list[dict]:
            tokenizer, model = load_tokenizer(models[name]), load_model(models[name])
            filler = tokenizer(filler_text, add_special_tokens=False)["input_ids"]
            return recall_rows(model, tokenizer, name, cases, list(p.recall_distances), filler,
                               p.recall_cases, SENTINEL, block=p.prefill_block)  # fmt: skip

        rows += _cached(work, f"recall-{name}", p, measure)
    return rows


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


if __name__ == "__main__":
    print(json.dumps(long_run(*json.loads(sys.argv[1]))))
