#!/usr/bin/env bash
# Set up govreport on a fresh Debian machine with Python >= 3.11: system packages
# (poppler for rasterizing scans), a virtualenv in .venv, the package and its extras.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo apt-get install -y -qq "$@" >/dev/null
  else
    return 1
  fi
}

if ! command -v pdftoppm >/dev/null 2>&1; then
  apt_install poppler-utils ||
    echo "warning: poppler-utils (pdftoppm) missing and no root: scanned PDFs cannot be rasterized" >&2
fi

# .doc/.wps/.rtf/.odt inputs are converted to DOCX by LibreOffice headless (Writer alone suffices)
if ! command -v soffice >/dev/null 2>&1; then
  apt_install --no-install-recommends libreoffice-writer ||
    echo "warning: libreoffice-writer missing and no root: .doc/.wps/.rtf/.odt inputs get a per-document error" >&2
fi

# the generated corpus (pipeline/corpus) converts pages with pandoc and a headless Chromium, which
# also renders `govreport explain` pages in the tests; CJK fonts so printed PDFs carry real glyphs
missing=()
command -v pandoc >/dev/null 2>&1 || missing+=(pandoc)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# text-mode browsers whose page dumps are corpus families
command -v w3m >/dev/null 2>&1 || missing+=(w3m)
command -v lynx >/dev/null 2>&1 || missing+=(lynx)
fc-list 2>/dev/null | grep -q "Noto Serif CJK" || missing+=(fonts-noto-cjk)
# the scan generator (scripts/make_scans.py) prints tables in Song/Ming, Kai and Hei families
fc-list 2>/dev/null | grep -q "AR PL UMing" || missing+=(fonts-arphic-uming)
fc-list 2>/dev/null | grep -q "AR PL UKai" || missing+=(fonts-arphic-ukai)
fc-list 2>/dev/null | grep -q "WenQuanYi Zen Hei" || missing+=(fonts-wqy-zenhei)
fc-list 2>/dev/null | grep -q "WenQuanYi Micro Hei" || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}" ||
    echo "warning: ${missing[*]} missing and no root: the corpus families and explain browser tests that need them are skipped" >&2
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  # Debian's own python3 ships venv without ensurepip until python3-venv is installed
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv || { echo "cannot create a virtualenv: install python3-venv" >&2; exit 1; }
    "$PYTHON" -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "neither a file nor a directory" || true
.venv/bin/python -m pip install -q -e ".[bench,dev,export,ray,review,corpus]" 2>&1 | grep -v "neither a file nor a directory" || true
.venv/bin/govreport --version
