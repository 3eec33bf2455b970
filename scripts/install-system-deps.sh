#!/usr/bin/env bash
# Installs the Debian packages literate needs (OCR baseline, PDF tools, fonts for rendering,
# and chromium + chromium-driver for the browser test of `literate serve`).
# A quick no-op when they are all there. Needs root or sudo; without either it says what to
# install and carries on (only the reader's Tesseract engine and page rendering need them).
# `install-system-deps.sh data` (make data-deps) installs what `literate data real-pages`
# reads instead: Debian documentation packages holding real PDFs from several producers
# (pdfTeX, ReportLab, texinfo), and groff for `man -Tpdf`; and the documentation packages
# whose man pages, info manuals and HTML make the `debian-docs` LM corpus. Never the
# packages an independent evaluation reserves (texlive-publishers-doc, c++-annotations-pdf,
# gri-pdf-doc, auto-multiple-choice-doc-pdf, docbook-xsl-doc-pdf, libtasn1-doc,
# shared-mime-info).
set -euo pipefail
PACKAGES=(
  tesseract-ocr poppler-utils libpango-1.0-0 libpangoft2-1.0-0
  fonts-dejavu-core fonts-liberation2 fonts-freefont-ttf fonts-crosextra-carlito
  fonts-crosextra-caladea fonts-urw-base35 fonts-linuxlibertine fonts-open-sans
  fonts-roboto-unhinted fonts-ebgaramond fonts-cantarell fonts-sil-charis
  chromium chromium-driver
)
if [ "${1:-}" = "data" ]; then
  PACKAGES=(
    r-doc-pdf python-reportlab-doc why3-doc-pdf siscone-doc-pdf camlidl-doc freefem-doc
    texlive-latex-recommended-doc groff poppler-utils
    python3-doc debian-reference-en r-doc-info bash-doc git-doc manpages-dev
  )
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "literate: please install with your package manager: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "literate: missing Debian packages (run as root: apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "literate: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
