"""Was pass-key recall at chance because nothing remembers the key, or because the probe
could not see it? The long sentinel bench found every policy at chance, full attention too.

The probe ranks the true key among distractors by summed NLL. The tokenizer splits 5-digit
numbers into 2 to 4 tokens, and the old probe drew distractors of any length, so the
shortest candidate won by a token's worth of loss whatever the model remembered. Here the
same prompts are ranked both ways: distractors of any length (the old probe) and of the
key's token count (``literate.sentinel.recall`` now). Besides accuracy, the key's margin
(mean distractor NLL minus the key's) shows a memory too weak to win outright; a window
that cannot reach the fact has margin 0 in expectation.

    python research/recall_probe.py --model checkpoints/lm-long --corpus debian-docs
"""

from __future__ import annotations

import argparse
import random
import statistics
import time


def unmatched_candidates(key: str, rng: random.Random, n: int) -> list[str]:
    """The old probe's draw: distinct 5-digit keys of any token count."""
    out = [key]
    while len(out) < n:
        draw = str(rng.randrange(10_000, 100_000))
        if draw not in out:
            out.append(draw)
    return out


def main() -> None:
    import torch
    from rich.console import Console
    from rich.table import Table

    from literate.data.tokenizer import load_tokenizer
    from literate.io import write_result
    from literate.lm.train import load_model
    from literate.sentinel.bench import SENTINEL, _long_text
    from literate.sentinel.recall import candidate_nlls, make_case
    from literate.sentinel.stream import SentinelStream

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="checkpoints/lm-long")
    ap.add_argument("--corpus", default="debian-docs")
    ap.add_argument("--distances", default="16,64,256,1024")
    ap.add_argument("--n", type=int, default=32, help="cases per distance")
    ap.add_argument("--budget", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="research/results/recall_probe.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    distances = [int(d) for d in args.distances.split(",")]
    tok, model = load_tokenizer(args.model), load_model(args.model)
    filler = tok(_long_text(max(distances) + 64, tok, args.corpus), add_special_tokens=False)
    filler = filler["input_ids"]
    policies = [("full", None), ("window", args.budget)]
    rows, t0 = [], time.time()
    for distance in distances:
        rng = random.Random(f"0-{distance}")
        cases = [make_case(filler, tok, distance, rng) for _ in range(args.n)]
        old = [
            unmatched_candidates(c.key, random.Random(f"old-{i}"), 8) for i, c in enumerate(cases)
        ]
        for policy, budget in policies:
            stream = SentinelStream(model, tok, policy, budget, SENTINEL, block=512)
            scores = {"any length (old)": [], "key's length (now)": []}  # (hit, margin)
            for case, old_cands in zip(cases, old, strict=True):
                state = stream.prefill(case.prompt)  # once per case, both candidate sets
                for probe, cands in zip(scores, (old_cands, case.candidates), strict=True):
                    nll = candidate_nlls(stream, state, cands)
                    rest = [v for c, v in nll.items() if c != case.key]
                    hit = min(nll, key=nll.get) == case.key
                    scores[probe].append((hit, statistics.mean(rest) - nll[case.key]))
            for probe, got in scores.items():
                rows.append(
                    {
                        "probe": probe,
                        "policy": policy,
                        "budget": budget,
                        "distance": distance,
                        "accuracy": sum(h for h, _ in got) / args.n,
                        "key_margin_nats": statistics.mean(m for _, m in got),
                        "n": args.n,
                        "chance": 1 / 8,
                    }
                )
                print(rows[-1], f"{time.time() - t0:.0f} s", flush=True)
    table = Table(title=f"pass-key recall, {args.model} (chance 0.125)")
    for c in ("probe", "policy", "distance", "accuracy", "key margin (nats)"):
        table.add_column(c, justify="right")
    for r in rows:
        table.add_row(r["probe"], f"{r['policy']} {r['budget'] or ''}".strip(), str(r["distance"]),
                      f"{r['accuracy']:.3f}", f"{r['key_margin_nats']:+.2f}")  # fmt: skip
    Console().print(table)
    cmd = "python research/recall_probe.py " + " ".join(
        f"--{k} {v}" for k, v in vars(args).items() if k != "json"
    )
    write_result(args.json, {"seconds": round(time.time() - t0), "rows": rows}, cmd)


if __name__ == "__main__":
    main()
