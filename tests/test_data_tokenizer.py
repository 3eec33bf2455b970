import pytest
from transformers import PreTrainedTokenizerFast

from literate.data.tokenizer import SPECIAL_TOKENS, load_tokenizer, train_tokenizer
from literate.errors import BadValueError, CheckpointError


def test_special_tokens_are_reserved_first(nano_tokenizer):
    assert nano_tokenizer.convert_ids_to_tokens([0, 1, 2, 3]) == list(SPECIAL_TOKENS)
    assert (
        nano_tokenizer.pad_token_id,
        nano_tokenizer.bos_token_id,
        nano_tokenizer.eos_token_id,
    ) == (0, 1, 2)
    assert nano_tokenizer.convert_tokens_to_ids("<SR>") == 3
    assert len(nano_tokenizer) == 512


@pytest.mark.parametrize(
    "text",
    [
        "To be, or not to be: that is the question.",
        "Café — naïve 日本語 🙂 tabs\tand\nnew lines  ",
        "One sentence.<SR> Another one.<SR>",
    ],
)
def test_round_trip_with_special_tokens(nano_tokenizer, tmp_path, text):
    nano_tokenizer.save_pretrained(str(tmp_path))
    tok = load_tokenizer(tmp_path)
    assert isinstance(tok, PreTrainedTokenizerFast)
    ids = tok(text)["input_ids"]
    assert ids[0] == tok.bos_token_id
    assert ids == nano_tokenizer(text)["input_ids"]
    assert tok.decode(ids[1:]) == text  # byte-level: lossless, specials included
    assert ids.count(3) == text.count("<SR>"), "<SR> is one token, never split"


def test_bad_tokenizer_inputs(tmp_path):
    with pytest.raises(BadValueError, match="vocab size"):
        train_tokenizer(["abc"], vocab_size=100)
    with pytest.raises(CheckpointError, match="no tokenizer.json"):
        load_tokenizer(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="cannot read tokenizer"):
        load_tokenizer(tmp_path)
