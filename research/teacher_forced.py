"""Does a reader know the letters when it is told the ones before? Teacher-forced character
accuracy on held-out one-word snippets, with each example's own image and with another's.

Greedy decoding compounds one wrong letter into the rest; this isolates what the image gives
each position. Text tokens only (no coordinates, no end of sequence); also by letter index
(the first letter needs no stepping through the image, only reading the leftmost glyph).

    python research/teacher_forced.py --model M [--text random] [--max-patches 128] \\
        [--json research/results/teacher_forced.json]
"""

from __future__ import annotations

import argparse

from literate.io import write_result


def teacher_forced(model_dir: str, text: str, max_patches: int, n: int) -> dict:
    import torch

    from literate.reader.engines.kosmos import KosmosEngine
    from literate.reader.train.aids.image_signal import _coordinate_ids
    from literate.reader.train.collator import ReaderCollator
    from literate.reader.train.trainer import ReaderTrainConfig, coordinate_bins, datasets

    engine = KosmosEngine.from_pretrained(model_dir)
    model, proc = engine.model.eval(), engine.processor
    cfg = ReaderTrainConfig(out="unused", level="word", text=text, eval_samples=n)
    _, val = datasets(cfg, max_patches)
    bins = coordinate_bins(proc.tokenizer)
    batch = ReaderCollator(proc, max_patches, "ocr", coordinate_bins=bins, max_length=512)(
        [val[i] for i in range(n)]
    )
    targets = batch["labels"][:, 1:]
    coords = torch.isin(targets, _coordinate_ids(proc.tokenizer))
    text_pos = (targets != -100) & ~coords & (targets != proc.tokenizer.eos_token_id)
    row = {"model": model_dir, "text": text, "max_patches": max_patches, "n": n,
           "characters": int(text_pos.sum())}  # fmt: skip
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    with torch.no_grad():
        for name, patches in (
            ("right", batch["flattened_patches"]),
            ("mismatched", batch["flattened_patches"].roll(1, 0)),
        ):
            pred = model(**dict(inputs, flattened_patches=patches)).logits[:, :-1].argmax(-1)
            hit = pred == targets
            row[f"char_accuracy_{name}"] = round(float(hit[text_pos].float().mean()), 4)
            index = text_pos.long().cumsum(1) - 1  # which letter of the answer
            row[f"by_letter_{name}"] = [
                round(float(hit[text_pos & (index == k)].float().mean()), 3)
                for k in range(4)
                if (text_pos & (index == k)).any()
            ]
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--text", default="random")
    ap.add_argument("--max-patches", type=int, default=128)
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--json", default="research/results/teacher_forced.json")
    a = ap.parse_args()
    rows = [teacher_forced(m, a.text, a.max_patches, a.n) for m in a.model]
    print("| model | characters | right image | mismatched | right, letters 1–4 |")
    for r in rows:
        right, wrong = r["char_accuracy_right"], r["char_accuracy_mismatched"]
        letters = " / ".join(f"{a:.2f}" for a in r["by_letter_right"])
        print(f"| {r['model']} | {r['characters']} | {right:.3f} | {wrong:.3f} | {letters} |")
    write_result(a.json, {"rows": rows})


if __name__ == "__main__":
    main()
