from transformers import AutoTokenizer

from literate.reader.model.tokenizer import build_char_tokenizer


def test_specials_coordinates_and_round_trip(tmp_path):
    tok = build_char_tokenizer(coordinate_bins=32)
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id) == (0, 1, 2)
    assert (tok.boi_token, tok.eoi_token, tok.image_token) == ("<image>", "</image>", "<s>")
    text = "<s><image><s><s></image><ocr><bbox><x_3><y_31><x_10><y_12></bbox>Héllo, wörld!\n"
    ids = tok(text)["input_ids"]
    assert ids[:5] == [0, 4, 0, 0, 5]  # nothing added in front: the prompt carries BOS
    assert len(ids) == 5 + 1 + 6 + len("Héllo, wörld!\n")  # one token per char/marker
    assert tok.decode(ids, skip_special_tokens=True) == text.split("</image>")[1]
    tok.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert again(text)["input_ids"] == ids and again.image_token == "<s>"
    assert tok.decode(tok("ab\u4e00")["input_ids"]) == "ab<unk>"
