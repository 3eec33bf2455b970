"""Shared fixtures: fixed threads and seeds, a small text corpus, a nano tokenizer."""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import Phase, settings  # noqa: E402

from literate.data.corpora import shakespeare  # noqa: E402
from literate.data.tokenizer import train_tokenizer  # noqa: E402

torch.set_num_threads(2)

# scripts/mutate.py: the same examples as the clean run, and a failure reported unshrunk
settings.register_profile(
    "mutation",
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture(scope="session")
def plays():
    return shakespeare()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory, plays):
    """A user corpus folder: the opening 12,000 characters of ten plays, one file each."""
    root = tmp_path_factory.mktemp("corpus")
    for doc in plays[:10]:
        (root / f"{doc.id.replace('/', '__')}.md").write_text(doc.text[:12_000])
    return root


@pytest.fixture(scope="session")
def nano_tokenizer(plays):
    return train_tokenizer([d.text[:20_000] for d in plays[:10]], vocab_size=512)
