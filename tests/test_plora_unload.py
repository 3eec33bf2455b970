import pytest
import torch
from peft import LoraConfig, get_peft_model
from torch import nn
from transformers import GPT2Config, GPT2LMHeadModel, LlamaForCausalLM

from literate.errors import BadValueError
from literate.lm.config import llama_config
from literate.plora import unload_lora
from literate.plora.unload import lora_layers


def tiny_llama_with_lora(bias="none", tied=False):
    torch.manual_seed(0)
    cfg = llama_config(
        "nano", vocab_size=64, tie_word_embeddings=tied, attention_bias=bias == "lora"
    )
    model = LlamaForCausalLM(cfg)
    targets = ["q_proj", "v_proj"] + ([] if bias == "lora" else ["down_proj", "embed_tokens"])
    cfg = LoraConfig(r=4, lora_alpha=8, target_modules=targets, lora_bias=bias == "lora")
    return get_peft_model(model, cfg)


def tiny_gpt2_with_lora():
    torch.manual_seed(0)
    model = GPT2LMHeadModel(
        GPT2Config(vocab_size=64, n_embd=32, n_layer=2, n_head=2, n_positions=32)
    )
    cfg = LoraConfig(
        r=4, lora_alpha=4, target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True
    )
    return get_peft_model(model, cfg)


def train_a_little(model, steps=3):
    """Move every adapter away from its initialisation (B = 0 would make unloads trivial)."""
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    x = torch.randint(0, 64, (2, 12))
    for _ in range(steps):
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    with torch.no_grad():  # and perturb everything, so every layer carries a real update
        for n, p in model.named_parameters():
            if "lora_" in n:
                p.add_(0.05 * torch.randn_like(p))


@pytest.mark.parametrize(
    "make", [tiny_llama_with_lora, tiny_gpt2_with_lora], ids=["llama", "gpt2-conv1d"]
)
@pytest.mark.parametrize("momentum", [0.0, 0.1, 0.5])
def test_unload_keeps_the_function_and_moves_the_update_into_the_base(make, momentum):
    model = make()
    train_a_little(model)
    x = torch.randint(0, 64, (2, 12))
    model.eval()
    with torch.no_grad():
        before = model(input_ids=x).logits
    bases = {n: layer.get_base_layer().weight.clone() for n, layer in lora_layers(model)}
    report = unload_lora(model, momentum=momentum, seed=0)
    with torch.no_grad():
        after = model(input_ids=x).logits
    assert (before - after).abs().max() <= 1e-5
    assert report.layers == len(bases)
    # the report's norm is that of what the base weights absorbed, (1 - momentum) * ΔW
    moved = sum(
        float((layer.get_base_layer().weight - bases[n]).double().pow(2).sum())
        for n, layer in lora_layers(model)
    )
    assert report.delta_norm == pytest.approx(moved**0.5, rel=1e-4)
    for n, layer in lora_layers(model):
        assert not torch.equal(layer.get_base_layer().weight, bases[n]), n
        assert not layer.merged
        if momentum == 0.0:
            remaining = layer.get_delta_weight("default")
            assert remaining.abs().max() == 0, "re-initialised adapters add nothing"


def test_unload_with_lora_bias_keeps_the_function():
    model = tiny_llama_with_lora(bias="lora")
    train_a_little(model)
    x = torch.randint(0, 64, (1, 9))
    with torch.no_grad():
        before = model(input_ids=x).logits
        unload_lora(model, momentum=0.3)
        assert (model(input_ids=x).logits - before).abs().max() <= 1e-5


def test_adapters_keep_training_after_an_unload():
    model = tiny_llama_with_lora()
    train_a_little(model)
    unload_lora(model, seed=1)
    model.train()
    x = torch.randint(0, 64, (2, 12))
    model(input_ids=x, labels=x).loss.backward()
    grads = [p.grad for n, p in model.named_parameters() if "lora_B" in n]
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)


def test_seeded_reinit_is_identical_and_leaves_the_global_rng_alone():
    a, b = tiny_llama_with_lora(), tiny_llama_with_lora()
    train_a_little(a), train_a_little(b)
    with torch.no_grad():
        for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
            pb.copy_(pa)
    torch.manual_seed(123)
    unload_lora(a, seed=7)
    after_a = torch.rand(1)
    torch.manual_seed(123)
    unload_lora(b, seed=7)
    after_b = torch.rand(1)
    torch.manual_seed(123)
    assert torch.equal(after_a, torch.rand(1)) and torch.equal(after_a, after_b)
    for (n, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert torch.equal(pa, pb), n


def test_unload_refuses_what_it_cannot_serve():
    with pytest.raises(BadValueError, match="no LoRA layers"):
        unload_lora(LlamaForCausalLM(llama_config("nano", vocab_size=64)))
    model = tiny_llama_with_lora()
    with pytest.raises(BadValueError, match="momentum"):
        unload_lora(model, momentum=1.0)
    with pytest.raises(BadValueError, match="momentum"):
        unload_lora(model, momentum=-0.1)
    model.merge_adapter()
    with pytest.raises(BadValueError, match="merged"):
        unload_lora(model)


def test_tied_embedding_adapter_is_refused():
    with pytest.raises(BadValueError, match="tied"):
        unload_lora(tiny_llama_with_lora(tied=True))


def test_quantised_base_is_refused():
    model = tiny_llama_with_lora()
    _, layer = lora_layers(model)[0]
    base = layer.get_base_layer()
    base.weight = nn.Parameter(base.weight.data.to(torch.int8), requires_grad=False)
    with pytest.raises(BadValueError, match="quantised"):
        unload_lora(model)


def test_sharded_model_is_refused():
    class FullyShardedDataParallel(nn.Module):  # stands in for torch's FSDP wrapper
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

    with pytest.raises(BadValueError, match="FSDP"):
        unload_lora(FullyShardedDataParallel(tiny_llama_with_lora()))


def test_an_unload_moves_the_lora_bias_into_the_base_bias():
    """(1 − m) · scaling · B.bias goes into the base bias and m · B.bias stays (the function
    alone would not tell: leaving both untouched keeps it too)."""
    model = tiny_llama_with_lora(bias="lora")
    train_a_little(model)
    name, layer = lora_layers(model)[0]
    base, lora_b = layer.get_base_layer(), layer.lora_B["default"]
    base_bias, b = base.bias.detach().clone(), lora_b.bias.detach().clone()
    assert b.abs().max() > 0
    unload_lora(model, momentum=0.3)
    scaling = layer.scaling["default"]
    assert torch.allclose(base.bias, base_bias + 0.7 * scaling * b, atol=1e-6), name
    assert torch.allclose(lora_b.bias, 0.3 * b, atol=1e-7)


def test_a_lora_bias_without_a_base_bias_and_other_refusals_say_why():
    model = tiny_llama_with_lora(bias="lora")
    _, layer = lora_layers(model)[0]
    layer.get_base_layer().bias = None
    with pytest.raises(BadValueError) as e:
        unload_lora(model)
    assert str(e.value) == "lora_bias=True needs base layers with a bias to unload into"
    with pytest.raises(BadValueError) as e:
        unload_lora(tiny_llama_with_lora(), momentum=1.0)
    assert str(e.value) == "momentum must be in [0, 1), got 1.0"
    with pytest.raises(BadValueError) as e:
        unload_lora(LlamaForCausalLM(llama_config("nano", vocab_size=64)))
    assert str(e.value) == "model has no LoRA layers: wrap it with peft's get_peft_model first"
    merged = tiny_llama_with_lora()
    merged.merge_adapter()
    with pytest.raises(BadValueError) as e:
        unload_lora(merged)
    assert str(e.value) == "adapters are merged (merge_adapter()); unmerge them before training"


def test_what_an_unload_refuses_is_named_exactly():
    from literate.plora.unload import _SHARDED_MESSAGE

    model = tiny_llama_with_lora()
    name, layer = lora_layers(model)[0]
    base = layer.get_base_layer()
    base.weight = nn.Parameter(base.weight.data.to(torch.int8), requires_grad=False)
    with pytest.raises(BadValueError) as e:
        unload_lora(model)
    assert str(e.value) == (
        f"base layer {name} is quantised (Parameter, torch.int8): it cannot absorb small "
        "updates without rounding them away; train PeriodicLoRA on a full-precision "
        "(fp32/bf16) base"
    )
    zero3 = tiny_llama_with_lora()
    next(zero3.parameters()).ds_id = 0  # how DeepSpeed ZeRO-3 marks its partitions
    with pytest.raises(BadValueError) as e:
        unload_lora(zero3)
    assert str(e.value) == _SHARDED_MESSAGE
    assert "FSDP2 (fully_shard" in _SHARDED_MESSAGE and "ZeRO-3 are not supported" in (
        _SHARDED_MESSAGE
    )
    with pytest.raises(BadValueError) as e:
        unload_lora(tiny_llama_with_lora(tied=True))
    assert str(e.value) == (
        "LoRA layer base_model.model.model.embed_tokens adapts a weight tied to another "
        "layer: an unload would change both; untie it (tie_word_embeddings=False) or leave "
        "it out of target_modules"
    )


def test_a_dora_adapter_is_refused():
    torch.manual_seed(0)
    model = LlamaForCausalLM(llama_config("nano", vocab_size=64))
    model = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj"], use_dora=True))
    with pytest.raises(BadValueError) as e:
        unload_lora(model)
    assert str(e.value) == (
        "adapter 'default' is a LoRA variant (e.g. DoRA): PeriodicLoRA needs plain LoRA"
    )
