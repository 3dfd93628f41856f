"""Chinese word segmentation for label text: spaCy's blank zh pipeline with jieba and
the domain user dictionary in `resources/userdict.txt`.

jieba writes a prefix-dictionary cache on first use; it goes to the user's cache
directory (never the source tree, which may be read-only or shared).
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

USERDICT = "userdict.txt"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "govreport"
    path.mkdir(parents=True, exist_ok=True)
    return path


_nlp = None
# jieba's dictionary is process-global: the first call builds it and adds the user
# dictionary; threads arriving meanwhile must wait, not tokenize with a half-loaded one
_nlp_lock = threading.Lock()


def get_nlp():
    global _nlp
    if _nlp is None:
        with _nlp_lock:
            if _nlp is None:
                _nlp = _build_nlp()
    return _nlp


def _build_nlp():
    from .loading import no_gc

    with no_gc():
        import jieba
        import spacy

        jieba.setLogLevel(60)  # jieba prints its cache-building chatter at INFO
        jieba.dt.tmp_dir = str(cache_dir())
        jieba.dt.cache_file = str(cache_dir() / "jieba.cache")
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        with resources.as_file(resources.files("pipeline").joinpath("resources", USERDICT)) as path:
            jieba.load_userdict(str(path))
    return nlp


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """jieba words of `text` (whitespace dropped); cached because labels repeat a lot."""
    if not text.strip():
        return ()
    return tuple(t.text for t in get_nlp().make_doc(text) if not t.is_space)
