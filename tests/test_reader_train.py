import random

import pytest
import torch
from PIL import Image, ImageDraw

from literate.data.render import render_snippet
from literate.reader.model.tiny import build_processor, build_reader
from literate.reader.parse import parse_ocr
from literate.reader.train.collator import ReaderCollator
from literate.reader.train.targets import resized_size


@pytest.fixture(scope="module")
def processor():
    return build_processor("tiny", coordinate_bins=256)


@pytest.mark.parametrize("size", [(320, 160), (100, 400), (1000, 37), (16, 16), (2480, 3508)])
@pytest.mark.parametrize("max_patches", [16, 64, 256])
def test_resized_size_is_the_processors(processor, size, max_patches):
    enc = processor(text=["<ocr>"], images=[Image.new("RGB", size)], max_patches=max_patches)
    assert resized_size(*size, max_patches) == (int(enc["width"][0]), int(enc["height"][0]))


def test_collator_masks_the_prompt_and_targets_parse_back(processor):
    rng = random.Random(0)
    items = []
    for rows in (["Now is the winter"], ["of our discontent", "made glorious"]):
        page = render_snippet(rows, "dejavu-sans", 24, rng)
        items.append({"image": page.image, "lines": page.lines, "markdown": page.markdown})
    batch = ReaderCollator(processor, max_patches=64, task="ocr", coordinate_bins=256)(items)
    tok = processor.tokenizer
    prompt = 3 + processor.num_image_tokens + 1
    assert tok.convert_ids_to_tokens(int(batch["input_ids"][0, prompt - 1])) == "<ocr>"
    assert (batch["labels"][:, :prompt] == -100).all()
    for i, item in enumerate(items):
        answer = [t for t in batch["labels"][i].tolist() if t != -100]
        assert answer[-1] == tok.eos_token_id
        text = tok.decode(answer[:-1])
        size = resized_size(*item["image"].size, 64)
        parsed = parse_ocr(text, size, item["image"].size)
        assert [ln.text for ln in parsed.lines] == [ln.text for ln in item["lines"]]
        for got, want in zip(parsed.lines, item["lines"], strict=True):
            # quantised to resized pixels and back: within one resized pixel
            tol = item["image"].width / size[0] + 1
            assert all(abs(a - b) <= tol for a, b in zip(got.bbox, want.bbox, strict=True))
    md = ReaderCollator(processor, max_patches=64, task="md")(items)
    answer = [t for t in md["labels"][1].tolist() if t != -100]
    assert tok.decode(answer[:-1]) == "of our discontent made glorious"


def test_image_gap_opens_on_the_tiny_config(tmp_path):
    """Issue 6: under our initialisation, a short from-scratch run on one-word snippets
    already does better with the right image than with another example's image."""
    from literate.reader.train.trainer import ReaderTrainConfig, train_reader

    cfg = ReaderTrainConfig(
        out=str(tmp_path / "r"),
        level="word",
        coordinate_bins=256,
        train_samples=2400,
        eval_samples=16,
        lr=1e-3,
        warmup_steps=30,
        max_steps=300,
        eval_steps=300,
        save_steps=300,
    )
    summary = train_reader(cfg)
    first, last = summary["image_gap_curve"][0], summary["image_gap_curve"][-1]
    assert last["step"] == 300
    assert abs(first["eval_image_gap"]) < 0.05  # untrained: the image does not matter yet
    assert last["eval_image_gap"] > 0.01
    # logged with the gap: at our initialisation every latent mean-pools the image alike
    assert first["eval_latent_similarity"] > 0.99
    assert all("eval_latent_similarity" in row for row in summary["image_gap_curve"])


def test_latent_similarity_tells_pooled_latents_from_distinct_ones(processor):
    """At our initialisation every latent mean-pools the image (similarity ≈ 1); latent
    queries that are large and distinct give latents that differ."""
    from transformers import Kosmos2_5ForConditionalGeneration

    from literate.reader.model.config import reader_config
    from literate.reader.train.aids.image_signal import init_reader, latent_similarity

    model = Kosmos2_5ForConditionalGeneration._from_config(
        reader_config("tiny", len(processor.tokenizer))
    )
    init_reader(model)
    images = [Image.new("RGB", (120, 40), "white") for _ in range(2)]
    ImageDraw.Draw(images[1]).text((5, 10), "read me", fill="black")
    batch = processor(images=images, text=["<ocr>"] * 2, return_tensors="pt", max_patches=64)
    assert latent_similarity(model, batch) > 0.99
    with torch.no_grad():
        model.image_to_text_projection.latent_query.normal_(std=10.0)
    assert latent_similarity(model, batch) < 0.5


def test_resume_after_interruption_reaches_the_same_weights_glyph_head_included(tmp_path):
    """An interrupted reader run, resumed, ends where an uninterrupted one does: the model's
    weights and the glyph head (a training aid kept in each checkpoint) within 1e-5."""
    from helpers import Interrupt
    from safetensors.torch import load_file

    from literate.reader.engines.kosmos import KosmosEngine
    from literate.reader.train.trainer import GLYPH_HEAD, ReaderTrainConfig, train_reader

    def cfg(out: str, **kw) -> ReaderTrainConfig:
        return ReaderTrainConfig(
            out=str(tmp_path / out),
            level="word",
            coordinate_bins=256,
            max_patches=32,
            glyph_loss=1.0,
            train_samples=48,
            eval_samples=4,
            batch_size=4,
            warmup_steps=2,
            max_steps=6,
            eval_steps=100,
            save_steps=2,
            **kw,
        )

    straight = train_reader(cfg("straight"))
    with pytest.raises(KeyboardInterrupt):
        train_reader(cfg("broken"), callbacks=[Interrupt(at=5)])
    resumed = train_reader(cfg("broken", resume=True))
    assert resumed["resumed_from"] == "checkpoint-4"
    assert resumed["global_step"] == straight["global_step"] == 6
    assert resumed["seconds"] > resumed["seconds_this_run"]  # steps 1-4 ran before the resume
    for name in ("model.safetensors", f"trainer/checkpoint-6/{GLYPH_HEAD}"):
        a = load_file(str(tmp_path / "straight" / name))
        b = load_file(str(tmp_path / "broken" / name))
        assert a.keys() == b.keys(), name
        assert max((a[k] - b[k]).abs().max().item() for k in a) <= 1e-5, name
    head_at_4 = load_file(str(tmp_path / "broken" / "trainer" / "checkpoint-4" / GLYPH_HEAD))
    head_at_6 = load_file(str(tmp_path / "broken" / "trainer" / "checkpoint-6" / GLYPH_HEAD))
    assert max((head_at_4[k] - head_at_6[k]).abs().max().item() for k in head_at_4) > 0
    assert not (tmp_path / "broken" / GLYPH_HEAD).exists()  # a training aid, not the reader's
    engine = KosmosEngine.from_pretrained(str(tmp_path / "broken"), max_new_tokens=8)
    assert engine.model.config.text_config.vocab_size == len(engine.processor.tokenizer)
    assert engine.processor.image_processor.max_patches == 32  # saved as trained


@pytest.mark.parametrize("method,task", [("lora", "md"), ("plora", "mixed")])
def test_lora_and_plora_fine_tune_a_saved_reader(tmp_path, method, task):
    """The path a GPU user takes on microsoft/kosmos-2.5: a checkpoint folder as --base,
    adapters merged into the saved model, which loads like any checkpoint."""
    from literate.reader.engines.kosmos import KosmosEngine
    from literate.reader.train.trainer import ReaderTrainConfig, train_reader

    base = tmp_path / "base"
    build_reader(base, size="tiny", coordinate_bins=256)
    cfg = ReaderTrainConfig(
        out=str(tmp_path / "ft"),
        base=str(base),
        method=method,
        task=task,
        period=3,
        level="line",
        train_samples=48,
        eval_samples=4,
        batch_size=4,
        warmup_steps=1,
        max_steps=6,
        eval_steps=6,
        save_steps=6,
    )
    summary = train_reader(cfg)
    assert summary["global_step"] == 6
    engine = KosmosEngine.from_pretrained(str(tmp_path / "ft"), max_new_tokens=8)
    assert not any("lora" in n for n, _ in engine.model.named_parameters())


def test_pairwise_similarity_by_hand():
    from literate.reader.train.aids.image_signal import pairwise_similarity

    same = torch.tensor([[[1.0, 2.0], [2.0, 4.0], [0.5, 1.0]]])
    orthogonal = torch.tensor([[[1.0, 0.0], [0.0, 3.0]]])
    assert pairwise_similarity(same) == pytest.approx(1.0)
    assert pairwise_similarity(orthogonal) == pytest.approx(0.0)
    assert pairwise_similarity(torch.cat([orthogonal, orthogonal[:, [0, 0]]])) == pytest.approx(0.5)
    assert pairwise_similarity(torch.ones(2, 1, 4)) == 1.0
