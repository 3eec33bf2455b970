"""Under DDP every rank must re-initialise LoRA identically: 2 CPU processes over gloo."""

from datetime import timedelta

import torch
import torch.distributed as dist
from helpers import spawn_gloo
from peft import LoraConfig, get_peft_model
from torch.nn.parallel import DistributedDataParallel as DDP
from transformers import LlamaForCausalLM

from literate.lm.config import llama_config
from literate.plora import PeriodicLoRA, PeriodicLoRAConfig

STEPS, PERIOD = 7, 2


def _worker(rank: int, world: int, init_method: str, out_dir: str) -> None:
    dist.init_process_group(
        "gloo", init_method=init_method, rank=rank, world_size=world, timeout=timedelta(seconds=120)
    )
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = get_peft_model(
        LlamaForCausalLM(llama_config("nano", vocab_size=64)),
        LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj", "gate_proj"]),
    )
    ddp = DDP(model)
    torch.manual_seed(100 + rank)  # ranks' RNG streams differ from here on, as in real runs
    opt = torch.optim.AdamW([p for p in ddp.parameters() if p.requires_grad], lr=1e-2)
    plora = PeriodicLoRA(PeriodicLoRAConfig(period=PERIOD, seed=3))
    for step in range(1, STEPS + 1):
        x = torch.randint(0, 64, (2, 10))  # different data on each rank
        ddp(input_ids=x, labels=x).loss.backward()
        opt.step()
        opt.zero_grad()
        plora.after_step(ddp, opt, step)
    torch.save(
        {k: v.detach().clone() for k, v in model.state_dict().items()}, f"{out_dir}/{rank}.pt"
    )
    dist.destroy_process_group()


def test_ranks_stay_identical_through_unloads(tmp_path):
    spawn_gloo(_worker, str(tmp_path))
    a, b = torch.load(tmp_path / "0.pt"), torch.load(tmp_path / "1.pt")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    lora_b = [k for k in a if "lora_B" in k]
    assert lora_b and any(a[k].abs().sum() > 0 for k in lora_b), "adapters trained after unloads"
