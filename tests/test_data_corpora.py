from email.message import Message

import pytest

from literate.data.corpora import english_share, load_corpus, readmes, user_files
from literate.errors import InputNotFoundError, UnknownCorpusError

ENGLISH = "This is a package for the people. It can be used with any file, and it is fast. " * 30


def meta(name: str, body: str, content_type: str = "text/markdown") -> Message:
    m = Message()
    m["Name"] = name
    m["Description-Content-Type"] = content_type
    m.set_payload(body)
    return m


def test_shakespeare_is_every_play_by_id(plays):
    assert len(plays) == 38
    ids = {d.id for d in plays}
    assert "tragedies/hamlet" in ids and len(ids) == len(plays)
    hamlet = next(d for d in plays if d.id == "tragedies/hamlet")
    assert hamlet.text.startswith("# Hamlet") and "To be, or not to be" in hamlet.text
    assert not any(line.endswith(" ") for line in hamlet.text.splitlines())


def test_readmes_keep_english_markdown_of_reasonable_length_once():
    docs = readmes(
        [
            meta("good-pkg", "# Good\n\n" + ENGLISH),
            meta("Good_Pkg", "# Good again\n\n" + ENGLISH),  # same normalised name
            meta("twin", "# Good\n\n" + ENGLISH.replace(". ", ".  ")),  # same text, other spaces
            meta("rst-pkg", ENGLISH, content_type="text/x-rst"),
            meta("short", "# Tiny\n\nJust a line."),
            meta("huge", "# Huge\n\n" + ENGLISH * 40),
            meta(
                "german", "# Paket\n\n" + "Das ist ein Paket für die Leute, schnell und gut. " * 40
            ),
        ]
    )
    assert [d.id for d in docs] == ["good-pkg"]
    assert docs[0].source == "readmes"


def test_english_share_tells_languages_apart():
    assert english_share(ENGLISH) > 0.2
    assert english_share("Der schnelle braune Fuchs springt über den faulen Hund.") < 0.05
    assert english_share("") == 0.0


def test_installed_readmes_are_found():
    docs = readmes()
    assert len(docs) >= 10
    assert all(len(d.text) >= 1_000 for d in docs)


def test_user_folder_and_file(corpus_dir):
    docs = load_corpus(str(corpus_dir))
    assert len(docs) == 10 and all(d.text.strip() for d in docs)
    one = next(corpus_dir.iterdir())
    assert [d.id for d in user_files(one)] == [one.name]


def test_bad_corpora_get_clear_errors(tmp_path):
    with pytest.raises(UnknownCorpusError, match="unknown corpus 'nope'"):
        load_corpus("nope")
    with pytest.raises(InputNotFoundError):
        user_files(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UnknownCorpusError, match="no text found"):
        load_corpus(str(tmp_path / "empty"))
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(UnknownCorpusError, match="not a UTF-8 text file"):
        load_corpus(str(tmp_path / "bin.txt"))


def test_random_strings_are_deterministic_printable_words():
    from literate.data.corpora import load_corpus, random_strings

    docs = random_strings(n_docs=3, words=50, seed=1)
    assert docs == random_strings(n_docs=3, words=50, seed=1) != random_strings(3, 50, seed=2)
    assert len({d.id for d in load_corpus("random")}) == len(load_corpus("random"))
    for d in docs:
        words = d.text.split()
        assert len(words) == 50 and all(1 <= len(w) <= 12 and w.isprintable() for w in words)


def test_corpora_joined_by_plus_keep_each_documents_split():
    from literate.data.splits import split_documents

    joined = load_corpus("readmes+random")
    assert len(joined) == len(readmes()) + len(load_corpus("random"))
    test_ids = {d.id for d in split_documents(joined)["test"]}
    for name in ("readmes", "random"):
        assert {d.id for d in split_documents(load_corpus(name))["test"]} <= test_ids
    with pytest.raises(UnknownCorpusError, match="unknown corpus 'nope'"):
        load_corpus("random+nope")
