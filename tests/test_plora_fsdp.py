"""PeriodicLoRA under FSDP2 (fully_shard) on 2 CPU processes over gloo: unloads merge into
the sharded base weights, keep the function, and leave every rank with the same model."""

from datetime import timedelta

import torch
import torch.distributed as dist
from helpers import spawn_gloo
from peft import LoraConfig, get_peft_model
from torch.distributed.fsdp import fully_shard
from transformers import LlamaForCausalLM

from literate.lm.config import llama_config
from literate.plora import PeriodicLoRA, PeriodicLoRAConfig, unload_lora
from literate.plora.sharded import full

STEPS, PERIOD = 6, 2


def _worker(rank: int, world: int, init_method: str, out_dir: str) -> None:
    dist.init_process_group(
        "gloo", init_method=init_method, rank=rank, world_size=world, timeout=timedelta(seconds=120)
    )
    torch.set_num_threads(1)
    torch.manual_seed(0)
    cfg = llama_config("nano", vocab_size=64, tie_word_embeddings=False)
    model = get_peft_model(
        LlamaForCausalLM(cfg),
        LoraConfig(
            r=2, lora_alpha=4, target_modules=["q_proj", "v_proj", "down_proj", "embed_tokens"]
        ),
    )
    for layer in model.base_model.model.model.layers:
        fully_shard(layer)
    fully_shard(model)
    torch.manual_seed(100 + rank)  # ranks' RNG streams differ from here on
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    plora = PeriodicLoRA(PeriodicLoRAConfig(period=PERIOD, seed=3))
    for step in range(1, STEPS + 1):
        x = torch.randint(0, 64, (2, 10))
        model(input_ids=x, labels=x).loss.backward()
        opt.step()
        opt.zero_grad()
        plora.after_step(model, opt, step)
    probe = torch.arange(4, 16)[None]
    with torch.no_grad():
        for n, p in model.named_parameters():  # live adapters: give the unload work to do
            if "lora_B" in n or "lora_embedding_B" in n:
                p.add_(0.1)
        before = model(input_ids=probe).logits
        unload_lora(model, momentum=0.0, seed=9)
        after = model(input_ids=probe).logits
    state = {n: full(p.detach()).clone() for n, p in model.named_parameters()}
    torch.save({"state": state, "diff": (before - after).abs().max()}, f"{out_dir}/{rank}.pt")
    dist.destroy_process_group()


def test_fsdp2_unloads_are_exact_and_identical_across_ranks(tmp_path):
    spawn_gloo(_worker, str(tmp_path))
    a, b = torch.load(tmp_path / "0.pt"), torch.load(tmp_path / "1.pt")
    assert a["diff"] <= 1e-5 and b["diff"] <= 1e-5
    assert a["state"].keys() == b["state"].keys()
    for k in a["state"]:
        assert torch.equal(a["state"][k], b["state"][k]), k
    for k, v in a["state"].items():  # after the last unload every adapter starts again at zero
        if "lora_B" in k or "lora_embedding_A" in k:
            assert v.abs().max() == 0, k
