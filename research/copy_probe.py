"""Can the base LMs copy? A text followed by an exact copy of itself, scored under full
attention: a model with induction heads predicts the copy far better than the original.

    python research/copy_probe.py [--models lm-base,lm-long] [--tokens 1024]
"""

from __future__ import annotations

import argparse

import torch

from literate.data.corpora import load_corpus
from literate.data.splits import get_split
from literate.data.tokenizer import load_tokenizer
from literate.io import write_result
from literate.lm.context import long_documents, window_mask
from literate.lm.train import load_model
from literate.paths import resolve_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="lm-base,lm-long")
    ap.add_argument("--tokens", type=int, default=1024, help="tokens of the original text")
    ap.add_argument("--docs", type=int, default=8, help="Shakespeare test plays (unseen)")
    ap.add_argument("--json", default="research/results/copy_probe.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    docs = get_split(load_corpus("shakespeare"), "test")
    rows = []
    for name in args.models.split(","):
        path = resolve_model(name)
        tok, model = load_tokenizer(path), load_model(path).eval()
        first, copy = [], []
        for ids in long_documents(docs, tok, args.tokens, args.docs):
            x = torch.cat([ids, ids[1:]])  # <s> text text
            with torch.no_grad():
                logits = model(input_ids=x[None], attention_mask=window_mask(len(x), None))
            nll = torch.nn.functional.cross_entropy(logits.logits[0, :-1], x[1:], reduction="none")
            first.append(nll[: args.tokens - 1].mean().item())
            copy.append(nll[args.tokens :].mean().item())
        row = {
            "model": name,
            "texts": len(first),
            "tokens": args.tokens,
            "loss_original": sum(first) / len(first),
            "loss_copy": sum(copy) / len(copy),
        }
        rows.append(row)
        print(f"{name:<8} original {row['loss_original']:.3f}  copy {row['loss_copy']:.3f} nats")
    write_result(args.json, {"rows": rows})


if __name__ == "__main__":
    main()
