"""A small character-level tokenizer carrying Kosmos-2.5's special and coordinate tokens.

Characters, not BPE: a small reader learns to spell what it sees one glyph at a time, and a
character vocabulary keeps the output layer small. The conventions follow the real
``microsoft/kosmos-2.5`` tokenizer, so the same processor and parsing code serve both:
``<s>`` is both BOS and the image placeholder, ``<image>``/``</image>`` bracket the image
slots (special: dropped by ``skip_special_tokens``), while ``<ocr>``, ``<md>``, ``<bbox>``,
``</bbox>``, ``<x_N>`` and ``<y_N>`` are ordinary added tokens that survive decoding.
Nothing is added at encode time: the processor writes BOS into the prompt itself.
"""

from __future__ import annotations

import string

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

BOS, PAD, EOS, UNK = "<s>", "<pad>", "</s>", "<unk>"  # ids 0, 1, 2, 3 (pad ≠ 0, as Kosmos)
BOI, EOI = "<image>", "</image>"
OCR, MD, BBOX, EBBOX = "<ocr>", "<md>", "<bbox>", "</bbox>"
SPECIAL = [BOS, PAD, EOS, UNK, BOI, EOI]
TASK_TOKENS = [OCR, MD, BBOX, EBBOX]

_EXTRA = "“”‘’–—…•·€£¥©®°±×÷§¶¢µ«»¿¡"
CHARS = sorted(set(string.printable) - set("\x0b\x0c\r") | set(_EXTRA)) + [
    chr(c) for c in range(0xC0, 0x100)
]


def coordinate_tokens(bins: int) -> list[str]:
    return [f"<x_{i}>" for i in range(bins)] + [f"<y_{i}>" for i in range(bins)]


def build_char_tokenizer(coordinate_bins: int = 1024) -> PreTrainedTokenizerFast:
    """The tokenizer of the project's Kosmos-2.5 configs (``coordinate_bins`` per axis:
    coordinates are pixels of the resized image, so bins ≥ its largest side)."""
    added = TASK_TOKENS + coordinate_tokens(coordinate_bins)
    vocab = {t: i for i, t in enumerate(dict.fromkeys(SPECIAL + added + CHARS))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens(SPECIAL)
    tok.add_tokens(added)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        extra_special_tokens={"boi_token": BOI, "eoi_token": EOI, "image_token": BOS},
        padding_side="right",
        clean_up_tokenization_spaces=False,
    )
