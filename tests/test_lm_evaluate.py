import math

import pytest
import torch
from transformers import LlamaForCausalLM

from literate.data.corpora import load_corpus
from literate.errors import BadValueError
from literate.lm.config import llama_config
from literate.lm.data import BlockDataset, token_stream
from literate.lm.evaluate import perplexity


def test_token_stream_marks_documents(nano_tokenizer, plays):
    ids = token_stream(plays[:3], nano_tokenizer)
    assert ids[0] == nano_tokenizer.bos_token_id
    assert (ids == nano_tokenizer.eos_token_id).sum() == 3 and ids[
        -1
    ] == nano_tokenizer.eos_token_id


def test_blocks_drop_the_partial_tail():
    ds = BlockDataset(torch.arange(10), block_size=4)
    assert len(ds) == 2 and ds.n_tokens == 8
    assert torch.equal(ds[1]["input_ids"], torch.tensor([4, 5, 6, 7]))
    with pytest.raises(BadValueError, match="fewer than one block"):
        BlockDataset(torch.arange(3), block_size=4)


def test_perplexity_equals_exp_of_the_models_own_loss(tmp_path, nano_tokenizer, corpus_dir):
    torch.manual_seed(0)
    model = LlamaForCausalLM(llama_config("nano", vocab_size=len(nano_tokenizer)))
    model.save_pretrained(str(tmp_path))
    nano_tokenizer.save_pretrained(str(tmp_path))
    r = perplexity(str(tmp_path), str(corpus_dir), "test", block_size=32, max_blocks=6)
    assert r.tokens == 6 * 31
    assert r.perplexity == pytest.approx(math.exp(r.loss))
    docs = [d for d in load_corpus(str(corpus_dir))]
    from literate.data.splits import split_documents

    blocks = BlockDataset(token_stream(split_documents(docs)["test"], nano_tokenizer), 32).blocks[
        :6
    ]
    with torch.no_grad():
        hf_loss = model(input_ids=blocks, labels=blocks).loss.item()
    assert r.loss == pytest.approx(hf_loss, rel=1e-5)
