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

# headless Chromium renders `govreport explain` pages in the tests
if ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium ||
    echo "warning: chromium missing and no root: the explain page browser tests are skipped" >&2
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
.venv/bin/python -m pip install -q -e ".[ocr,bench,dev,export,ray,review]" 2>&1 | grep -v "neither a file nor a directory" || true
.venv/bin/govreport --version
