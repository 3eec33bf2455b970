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
    assert split_documents(list(reversed(corpus)), seed=seed).keys() == parts.keys()
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
