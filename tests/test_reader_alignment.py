import pytest
import torch

from literate.reader.model.tiny import build_processor, build_reader
from literate.reader.train.aids.alignment import (
    decoder_layers,
    glyph_tokens,
    guided_loss,
    head_attention,
    target_latents,
)
from literate.reader.train.aids.hooks import captured_input
from literate.reader.train.collator import ReaderCollator
from literate.reader.train.data import SnippetDataset

TEXTS = [" ".join(f"word{i} Alpha beta, gamma; delta." for i in range(300))]
INPUTS = ("flattened_patches", "attention_mask", "input_ids", "image_embeds_position_mask")


@pytest.fixture(scope="module")
def processor():
    return build_processor("tiny", coordinate_bins=256)


def batch_of(processor, level="line", n=4, task="ocr", max_patches=64, seed=2):
    items = [SnippetDataset(TEXTS, n, seed=seed, level=level)[i] for i in range(n)]
    collate = ReaderCollator(
        processor, max_patches, task, coordinate_bins=256, glyph_labels=True, guided=True
    )
    return items, collate(items)


def test_glyph_tokens_spell_the_rendered_glyphs(processor):
    items, batch = batch_of(processor)
    tok = processor.tokenizer
    for item, ids, pos in zip(items, batch["input_ids"], batch["glyph_tokens"], strict=True):
        spelled = "".join(tok.convert_ids_to_tokens(ids[pos[pos >= 0]].tolist()))
        assert spelled == "".join(ch for ch, _ in item["glyphs"])
    assert glyph_tokens(None, batch["input_ids"][0], 0, tok) is None  # a page not rendered
    wrong = [("Q", (0, 0, 1, 1))] + items[0]["glyphs"][1:]
    assert glyph_tokens(wrong, batch["input_ids"][0], 20, tok) is None


def test_markdown_answers_get_no_guidance(processor):
    _, batch = batch_of(processor, task="md")
    assert (batch["glyph_tokens"] == -1).all()


def test_head_attention_is_the_models_own(processor):
    """Recomputed by hand from the layer's input, equal to the eager attention weights."""
    _, batch = batch_of(processor)
    model, _ = build_reader(None, "tiny", coordinate_bins=256)
    model.text_model.config._attn_implementation = "eager"
    with captured_input(decoder_layers(model)[-1].self_attn) as seen:
        out = model(**{k: batch[k] for k in INPUTS}, output_attentions=True)
    queries = (batch["glyph_tokens"] - 1).clamp(min=0)
    for head in (0, 2):
        mine = head_attention(
            decoder_layers(model)[-1].self_attn, seen["x"], queries,
            batch["attention_mask"], head,
        )  # fmt: skip
        ref = out.attentions[-1][:, head]
        ref = ref.gather(1, queries.unsqueeze(-1).expand(-1, -1, ref.shape[-1]))
        torch.testing.assert_close(mine, ref)


def test_target_latents_are_those_that_look_at_the_glyph():
    att = torch.tensor([[[0.8, 0.2, 0.0], [0.1, 0.1, 0.8], [0.5, 0.5, 0.0]]])  # [1, L=3, P=3]
    cells = torch.tensor([[[True, False, False], [False, False, True], [False] * 3]])
    targets = target_latents(att, cells, most=1.0)
    assert targets[0].tolist() == [[True, False, True], [False, True, False], [False] * 3]
    # two of three latents look at glyph 0: not specific at most = 1/2, so no target
    assert target_latents(att, cells, most=0.5)[0].tolist() == [
        [False] * 3,
        [False, True, False],
        [False] * 3,
    ]
    uniform = torch.full((1, 8, 3), 1 / 3)  # a resampler that pools everywhere alike
    assert not target_latents(uniform, cells).any()


def test_guided_loss_moves_the_head_onto_the_glyphs(processor):
    from literate.reader.train.aids.image_signal import init_reader
    from literate.reader.train.aids.positional import positional_start

    items, batch = batch_of(processor, level="word", n=8, max_patches=32)
    model, _ = build_reader(None, "tiny", coordinate_bins=256, seed=0)
    init_reader(model, seed=0)
    positional_start(model, batch["flattened_patches"], seed=0)
    opt = torch.optim.AdamW(decoder_layers(model).parameters(), lr=3e-3)
    masses = []
    for _ in range(40):
        feats = model.vision_model(batch["flattened_patches"]).last_hidden_state
        with captured_input(decoder_layers(model)[-1].self_attn) as seen:
            model(**{k: batch[k] for k in INPUTS})
        loss, mass = guided_loss(model, seen["x"], feats, batch)
        masses.append(mass)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert masses[-1] > max(0.8, masses[0] + 0.2)
