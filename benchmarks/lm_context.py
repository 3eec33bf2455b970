"""Does the base LM use long context? Full attention against attention windows on long
held-out documents (the precondition of the sentinel experiments, issue 22).

Every model scores the same documents: the first ``--tokens`` tokens of each test-split
document of the corpus that has that many, in one forward pass per window
(``literate.lm.context``). Ratios are against each model's own full attention, measured
in the same run.

    python benchmarks/lm_context.py [--models lm-base,lm-long] [--tokens 4096] [--docs 40]
        [--windows full,2048,1024,512,256,64] [--json benchmarks/results/lm_context.json]
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

import torch

from literate.data.corpora import load_corpus
from literate.data.splits import get_split
from literate.data.tokenizer import load_tokenizer
from literate.io import write_result
from literate.lm.context import context_perplexity, long_documents
from literate.lm.train import load_model
from literate.paths import resolve_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="lm-base,lm-long", help="comma-separated dirs or names")
    ap.add_argument("--corpus", default="debian-docs")
    ap.add_argument("--split", default="test")
    ap.add_argument("--tokens", type=int, default=4096, help="tokens scored per document")
    ap.add_argument("--docs", type=int, default=40, help="at most this many documents")
    ap.add_argument("--windows", default="full,2048,1024,512,256,64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="benchmarks/results/lm_context.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    windows = [None if w == "full" else int(w) for w in args.windows.split(",")]
    windows.sort(key=lambda w: (w is not None, -(w or 0)))  # full first: the ratios' base
    docs = get_split(load_corpus(args.corpus), args.split)
    rows, doc_ids = [], None
    for name in args.models.split(","):
        path = resolve_model(name)
        tok = load_tokenizer(path)
        chosen = long_documents(docs, tok, args.tokens, args.docs)
        ids = [d.id for d in docs if len(tok(d.text)["input_ids"]) >= args.tokens][: args.docs]
        if doc_ids is not None and ids != doc_ids:
            print(f"note: {name} tokenizes differently; it scores other documents")
        doc_ids = doc_ids or ids
        model = load_model(path)
        full = None
        for r in context_perplexity(model, chosen, windows):
            row = {"model": name, **asdict(r)}
            full = full or (row["ppl"] if r.window is None else None)
            row["ppl_vs_full"] = row["ppl"] / full if full else None
            rows.append(row)
            print(f"{name:<10} window {r.window or 'full':>6}  ppl {r.ppl:8.2f}", flush=True)
    write_result(
        args.json,
        {
            "corpus": args.corpus,
            "split": args.split,
            "tokens_per_doc": args.tokens,
            "documents": doc_ids,
            "rows": rows,
        },
    )
    print(f"\n{'model':<10}{'window':>8}{'docs':>6}{'ppl':>10}{'vs full':>9}{'tok/s':>9}")
    for r in rows:
        print(
            f"{r['model']:<10}{str(r['window'] or 'full'):>8}{r['docs']:>6}{r['ppl']:>10.2f}"
            f"{r['ppl_vs_full']:>9.3f}{r['tokens_per_s']:>9,.0f}"
        )
    print(f"({args.corpus} {args.split} split, first {args.tokens} tokens; JSON: {args.json})")


if __name__ == "__main__":
    main()
