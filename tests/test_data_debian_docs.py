import gzip
import json
import shutil

import pytest

from literate.data import debian_docs as dd
from literate.data.corpora import load_corpus
from literate.errors import InputNotFoundError

ENGLISH = (
    "This is the manual of the tool and it explains how you can use it with the options "
    "that are described in the text below, one by one, for the reader. "
) * 12

MAN = f""".TH DEMO 1
.SH NAME
demo \\- a page made in the test
.SH DESCRIPTION
{ENGLISH}
.TP
.B \\-v
be verbose
"""


def _tree(tmp_path):
    man, info, doc = tmp_path / "man", tmp_path / "info", tmp_path / "doc"
    (man / "man1").mkdir(parents=True)
    (man / "de" / "man1").mkdir(parents=True)  # a translation: not read
    (man / "man1" / "demo.1.gz").write_bytes(gzip.compress(MAN.encode()))
    (man / "man1" / "alias.1.gz").write_bytes(gzip.compress(b".so man1/demo.1\n"))
    (man / "man1" / "link.1.gz").symlink_to(man / "man1" / "demo.1.gz")
    (man / "de" / "man1" / "demo.1.gz").write_bytes(gzip.compress(MAN.encode()))
    (man / "man1" / "secret.1.gz").write_bytes(gzip.compress(MAN.encode()))
    info.mkdir()
    node = "\x1f\nFile: tool.info,  Node: Top,  Next: Use\n\n"
    (info / "tool.info-1.gz").write_bytes(gzip.compress((node + "PART ONE " + ENGLISH).encode()))
    (info / "tool.info-2.gz").write_bytes(gzip.compress((node + "PART TWO " + ENGLISH).encode()))
    (doc / "pkg" / "html").mkdir(parents=True)
    (doc / "pkg" / "html" / "index.html").write_text(
        "<html><head><title>T</title><script>var x = 1;</script></head><body>"
        f"<nav>Home | Next</nav><h1>Guide</h1><p>{ENGLISH}</p><pre>  code  here\n  more</pre>"
        "</body></html>"
    )
    owners = {str(man / "man1" / "secret.1.gz"): "shared-mime-info"}
    owners |= {str(p): "tool-doc" for p in info.iterdir()}
    owners[str(man / "man1" / "demo.1.gz")] = "demo"
    owners[str(doc / "pkg" / "html" / "index.html")] = "pkg-doc"
    return dd.find_sources(man, info, doc, owners)


def test_sources_skip_links_translations_and_reserved_packages(tmp_path):
    ids = sorted(s[0] for s in _tree(tmp_path))
    assert ids == ["html/pkg/html/index.html", "info/tool", "man/1/alias.1", "man/1/demo.1"]


@pytest.mark.skipif(not shutil.which("groff"), reason="groff not installed")
def test_man_page_is_typeset_as_plain_text(tmp_path):
    _tree(tmp_path)
    text = dd.man_text(tmp_path / "man" / "man1" / "demo.1.gz")
    assert "demo - a page made in the test" in text
    assert "\x08" not in text and "\x1b" not in text  # no overstrike, no colour
    assert dd.man_text(tmp_path / "man" / "man1" / "alias.1.gz") == ""  # .so link


def test_info_manual_joins_parts_without_node_headers(tmp_path):
    _tree(tmp_path)
    text = dd.info_text(sorted((tmp_path / "info").iterdir()))
    assert text.index("PART ONE") < text.index("PART TWO")
    assert "\x1f" not in text and "File: tool.info" not in text


def test_html_text_drops_scripts_and_navigation_and_keeps_pre(tmp_path):
    _tree(tmp_path)
    text = dd.html_text(tmp_path / "doc" / "pkg" / "html" / "index.html")
    assert "Guide" in text and "var x" not in text and "Home | Next" not in text
    assert "  code  here\n  more" in text


def test_cap_packages_bounds_each_package_and_keeps_one():
    docs = [{"id": f"man/1/p{i}", "package": "big", "text": "x" * 400} for i in range(10)]
    docs.append({"id": "man/1/huge", "package": "solo", "text": "y" * 5000})
    kept = dd.cap_packages(docs, max_chars=1000)
    assert sum(d["package"] == "big" for d in kept) == 2
    assert any(d["id"] == "man/1/huge" for d in kept)  # first document always kept
    assert [d["id"] for d in kept] == sorted(d["id"] for d in kept)


@pytest.mark.skipif(not shutil.which("groff"), reason="groff not installed")
def test_build_writes_corpus_and_manifest_and_loads_as_a_corpus(tmp_path, monkeypatch):
    sources = _tree(tmp_path)
    out = tmp_path / "corpus"
    manifest = dd.build_debian_docs(out, workers=1, sources=sources)
    assert manifest["documents"] == 3 and manifest["counts"]["short"] == 1  # the .so link
    assert manifest["by_kind"] == {"man": 1, "info": 1, "html": 1}
    assert "shared-mime-info" in manifest["reserved_skipped"]
    assert json.loads((out / "manifest.json").read_text()) == manifest
    monkeypatch.setenv("LITERATE_DEBIAN_DOCS", str(out))
    docs = load_corpus("debian-docs")
    assert [d.id for d in docs] == ["html/pkg/html/index.html", "info/tool", "man/1/demo.1"]
    assert all(d.source == "debian-docs" for d in docs)


def test_unbuilt_corpus_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LITERATE_DEBIAN_DOCS", str(tmp_path / "none"))
    with pytest.raises(InputNotFoundError, match="literate data debian-docs"):
        load_corpus("debian-docs")


@pytest.mark.skipif(not shutil.which("groff"), reason="groff not installed")
def test_cli_builds_the_corpus(tmp_path, monkeypatch, capsys):
    from literate.cli import main

    sources = _tree(tmp_path)
    monkeypatch.setattr(dd, "find_sources", lambda: sources)
    code = main(["data", "debian-docs", "--out", str(tmp_path / "c"), "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "3 documents (man 1, info 1, html 1)" in out
    assert (tmp_path / "c" / "documents.jsonl").is_file()
