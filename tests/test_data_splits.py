import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from literate.data.corpora import TextDocument, load_corpus
from literate.data.splits import SPLITS, get_split, split_documents
from literate.errors import BadValueError


def docs(ids):
    return [TextDocument(id=i, text=f"text of {i}", source="t") for i in ids]


def assert_partition(parts, all_docs):
    ids = [d.id for s in SPLITS for d in parts[s]]
    assert sorted(ids) == sorted(d.id for d in all_docs), "every document in exactly one split"
    for a in SPLITS:
        for b in SPLITS:
            if a < b:
                assert not {d.id for d in parts[a]} & {d.id for d in parts[b]}


@pytest.mark.parametrize("name", ["shakespeare", "readmes"])
def test_builtin_corpora_split_by_document_without_overlap(name):
    corpus = load_corpus(name)
    parts = split_documents(corpus)
    assert_partition(parts, corpus)
    assert all(parts[s] for s in SPLITS)
    # no text shared either: a play (or README) is never cut across splits
    texts = {s: {d.text for d in parts[s]} for s in SPLITS}
    assert not texts["train"] & texts["test"] and not texts["train"] & texts["validation"]


@given(st.lists(st.text(min_size=1, max_size=12), unique=True, max_size=60), st.integers(0, 5))
def test_split_is_a_deterministic_partition(ids, seed):
    corpus = docs(ids)
    parts = split_documents(corpus, seed=seed)
    if len(ids) < 3:  # split by position: the pieces, not the documents, are partitioned
        assert all(d.id.rsplit(":", 1)[0] in ids for s in SPLITS for d in parts[s])
        return
    assert_partition(parts, corpus)
    again = split_documents(list(reversed(corpus)), seed=seed)
    assert {s: {d.id for d in again[s]} for s in SPLITS} == {
        s: {d.id for d in parts[s]} for s in SPLITS
    }
    if len(ids) >= 3:
        assert parts["validation"] and parts["test"]


def test_a_growing_corpus_never_moves_a_document():
    small = docs([f"doc{i}" for i in range(200)])
    big = docs([f"doc{i}" for i in range(1000)])
    a, b = split_documents(small), split_documents(big)
    where = {d.id: s for s in SPLITS for d in b[s]}
    assert all(where[d.id] == s for s in SPLITS for d in a[s])


def test_bad_split_arguments():
    with pytest.raises(BadValueError):
        split_documents(docs(["a", "b"]), fractions=(0.5, 0.5, 0.5))
    with pytest.raises(BadValueError, match="unique"):
        split_documents(docs(["a", "a"]))
    with pytest.raises(BadValueError, match="unknown split"):
        get_split(docs(["a"]), "dev")


def unit(doc_id: str, seed: int) -> float:
    """The documented place of a document on the split line, written out: the first 8 bytes
    of sha256("<seed>:<id>") as a big-endian integer, over 2**64."""
    digest = hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


# Known documents and their splits: a change of hash, byte order or cut moves them.
PINNED = {
    0: {
        "validation": ["doc8", "doc10", "doc13", "doc17", "doc38"],
        "test": ["doc24", "doc25", "doc26", "doc36"],
    },
    1: {
        "validation": ["doc12", "doc19", "doc38"],
        "test": ["doc11", "doc13", "doc24", "doc27", "doc39"],
    },
}


@pytest.mark.parametrize("seed", sorted(PINNED))
def test_known_documents_fall_in_their_known_splits(seed):
    corpus = docs([f"doc{i}" for i in range(40)])
    parts = {s: [d.id for d in v] for s, v in split_documents(corpus, seed=seed).items()}
    assert parts["validation"] == PINNED[seed]["validation"]
    assert parts["test"] == PINNED[seed]["test"]
    held_out = set(parts["validation"]) | set(parts["test"])
    assert parts["train"] == [d.id for d in corpus if d.id not in held_out]


def test_the_shakespeare_held_out_plays_stay_put():
    """The experiments' validation and test plays (measured once): pinned by name."""
    parts = split_documents(load_corpus("shakespeare"))
    assert [d.id for d in parts["validation"]] == [
        "histories/richard-iii",
        "tragedies/king-lear",
    ]
    assert [d.id for d in parts["test"]] == [
        "histories/henry-iv-part-1",
        "histories/henry-v",
        "histories/henry-vi-part-3",
        "roman/antony-and-cleopatra",
        "romances/cymbeline",
    ]


@pytest.mark.parametrize("fractions", [(0.8, 0.1, 0.1), (0.6, 0.3, 0.1), (0.5, 0.0, 0.5)])
def test_a_large_corpus_splits_in_the_asked_fractions_along_the_hash(fractions):
    corpus = docs([f"id-{i}" for i in range(20_000)])
    parts = split_documents(corpus, fractions=fractions, seed=3)
    for split, want in zip(SPLITS, fractions, strict=True):
        assert abs(len(parts[split]) / len(corpus) - want) < 0.01, split
    train_cut, val_cut = fractions[0], fractions[0] + fractions[1]
    assert all(unit(d.id, 3) < train_cut for d in parts["train"])
    assert all(train_cut <= unit(d.id, 3) < val_cut for d in parts["validation"])
    assert all(val_cut <= unit(d.id, 3) for d in parts["test"])


def test_a_tiny_corpus_borrows_the_nearest_document_for_each_empty_held_out_split():
    # a 0.617 and c 0.742 hash into train, b 0.876 into validation: test borrows c, the
    # train document nearest the test stretch (0.9-1.0)
    assert [unit(i, 0) < 0.8 for i in "abc"] == [True, False, True]
    ids = {s: [d.id for d in v] for s, v in split_documents(docs(["a", "b", "c"])).items()}
    assert ids == {"train": ["a"], "validation": ["b"], "test": ["c"]}


def test_one_document_is_split_by_position_at_line_ends():
    text = "".join(f"line {i} of the only book\n" for i in range(1000))
    parts = split_documents([TextDocument("book.txt", text, "user")])
    assert [d.id for s in SPLITS for d in parts[s]] == [
        "book.txt:train",
        "book.txt:validation",
        "book.txt:test",
    ]
    pieces = [parts[s][0].text for s in SPLITS]
    assert "".join(pieces) == text  # nothing lost, nothing in two splits
    assert all(p.endswith("\n") and p.startswith("line ") for p in pieces)  # whole lines
    shares = [len(p) / len(text) for p in pieces]
    assert shares == pytest.approx([0.8, 0.1, 0.1], abs=0.01)
    assert get_split([TextDocument("book.txt", text, "user")], "test") == parts["test"]


def test_two_documents_are_each_split_by_position_and_one_long_line_at_a_space():
    one_line = " ".join(f"word{i}" for i in range(2000))
    corpus = [TextDocument("a", one_line, "user"), TextDocument("b", "tiny", "user")]
    parts = split_documents(corpus)
    assert [d.id for d in parts["validation"]] == ["a:validation"]
    assert [d.id for d in parts["train"]] == ["a:train", "b:train"]  # one word: not cut
    assert parts["train"][1].text == "tiny"
    a = [d.text for s in SPLITS for d in parts[s] if d.id.startswith("a:")]
    assert "".join(a) == one_line and all(p.startswith("word") for p in a)


def test_a_one_file_corpus_has_held_out_text(tmp_path):
    (tmp_path / "notes.txt").write_text("A sentence of notes.\n" * 400)
    parts = split_documents(load_corpus(str(tmp_path / "notes.txt")))
    assert all(parts[s] for s in SPLITS)
