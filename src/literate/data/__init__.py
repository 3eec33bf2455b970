"""Data layer: corpora, document splits, tokenizers."""

from literate.data.corpora import TextDocument, load_corpus
from literate.data.splits import SPLITS, get_split, split_documents

__all__ = ["TextDocument", "SPLITS", "get_split", "load_corpus", "split_documents"]
