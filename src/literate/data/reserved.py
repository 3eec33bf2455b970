"""Debian packages an independent evaluation reserves: no data of ours is ever taken from
them (the real pages, the debian-docs corpus)."""

RESERVED = (
    "texlive-publishers-doc",
    "c++-annotations-pdf",
    "gri-pdf-doc",
    "auto-multiple-choice-doc-pdf",
    "docbook-xsl-doc-pdf",
    "libtasn1-doc",
    "shared-mime-info",
)
