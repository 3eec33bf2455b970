"""``literate demo``: the main job on embedded defaults (no download, no GPU).

Until the reader lands, it shows what is built: the bundled base LM's perplexity on a
slice of each corpus' test split, and what it writes when prompted.
"""

from __future__ import annotations

import torch
from rich.console import Console
from rich.table import Table
from transformers import set_seed

from literate.data.tokenizer import load_tokenizer
from literate.lm.evaluate import perplexity
from literate.lm.train import load_model
from literate.paths import resolve_model

PROMPTS = ("## Installation\n\n", "**HAMLET**\nTo be, or not to be")
DEMO_BLOCKS = 24  # test blocks per corpus: a quick, representative slice


def run_demo(seed: int = 0, threads: int = 2) -> None:
    torch.set_num_threads(threads)
    console = Console()
    path = resolve_model("bundled")
    console.rule("[bold]literate demo")
    console.print(f"bundled base LM: {path}")
    table = Table(title=f"perplexity on the first {DEMO_BLOCKS} test blocks (256 tokens each)")
    for col in ("corpus", "tokens", "perplexity"):
        table.add_column(col)
    for corpus in ("readmes", "shakespeare"):
        r = perplexity(path, corpus, "test", 256, max_blocks=DEMO_BLOCKS)
        table.add_row(corpus, f"{r.tokens:,}", f"{r.perplexity:.1f}")
    console.print(table)
    console.print("(trained on package READMEs only: Shakespeare is the domain to adapt to)")
    tok, model = load_tokenizer(path), load_model(path).eval()
    for prompt in PROMPTS:
        set_seed(seed)
        ids = tok(prompt, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            out = model.generate(
                ids,
                max_new_tokens=60,
                do_sample=True,
                top_k=40,
                temperature=0.8,
                pad_token_id=tok.pad_token_id,
            )
        console.rule(f"sample after {prompt.strip()[:30]!r}")
        console.print(tok.decode(out[0, 1:], skip_special_tokens=True), markup=False)
    console.rule("what else literate offers")
    console.print(
        "• adapt it cheaply:  literate train lm --corpus shakespeare --base bundled "
        "--method plora --rank 8 --period 75 --out runs/bard",
        "• evaluate:          literate eval lm --model runs/bard",
        "• compare methods:   literate bench plora --quick",
        "• bounded memory:    literate train lm --corpus shakespeare --base bundled --sentinel "
        "--out runs/bard-sr",
        "                     literate eval lm --model runs/bard-sr --policy sentinel --budget 128",
        "• coming next: the Kosmos-2.5 reader (literate read).",
        sep="\n",
        markup=False,
    )
