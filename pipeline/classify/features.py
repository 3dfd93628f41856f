"""Feature extraction for label candidates, as scikit-learn transformers.

A sample is a dict record (see training_data/README.md): the candidate text, its
neighbours' texts and layout facts.  Everything from record to feature matrix lives in
one Pipeline so the saved model is self-contained.  The custom transformers here are
stateless and are the only non-sklearn types the model file may contain (loaded as
trusted types by name, see `model.TRUSTED_TYPES`).
"""
from __future__ import annotations

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from ..layout import squash
from .candidates import Candidate, enumerator_kind, strip_enumerator


def record(cands: list[Candidate], i: int, table_id: str) -> dict:
    """The model's view of candidate i of a section."""
    c = cands[i]
    n = len(cands)
    return {
        "text": c.text,
        "prev": cands[i - 1].text if i > 0 else "",
        "next": cands[i + 1].text if i + 1 < n else "",
        "table": table_id,
        "index": i,
        "rel_pos": round(i / max(1, n - 1), 4),
        "gap_after": bool(c.gap_after),
    }


class FieldText(BaseEstimator, TransformerMixin):
    """One text field of the records; `squashed` drops punctuation and enumerators."""

    def __init__(self, field: str = "text", squashed: bool = False):
        self.field = field
        self.squashed = squashed

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        if self.squashed:
            return [strip_enumerator(squash(x[self.field])) for x in X]
        return [x[self.field] for x in X]


class WordText(BaseEstimator, TransformerMixin):
    """jieba words (spaCy blank zh + domain dictionary), space-joined for a vectorizer."""

    def __init__(self, field: str = "text"):
        self.field = field

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        from ..nlp import words

        return [" ".join(words(strip_enumerator(squash(x[self.field])))) for x in X]


class LayoutFeatures(BaseEstimator, TransformerMixin):
    """Position, enumerator style and neighbourhood facts as a dict per record."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        out = []
        for x in X:
            length = len(squash(x["text"]))
            out.append({
                f"table={x['table']}": 1.0,
                f"enum={enumerator_kind(x['text'])}": 1.0,
                f"prev_enum={enumerator_kind(x['prev'])}": 1.0,
                f"next_enum={enumerator_kind(x['next'])}": 1.0,
                "gap_after": float(x["gap_after"]),
                "rel_pos": float(x["rel_pos"]),
                f"pos_bin={x['table']}:{int(float(x['rel_pos']) * 10)}": 1.0,
                f"len_bin={min(length, 40) // 4}": 1.0,
                "first": float(x["index"] == 0),
            })
        return out


def feature_union() -> FeatureUnion:
    return FeatureUnion([
        ("chars", Pipeline([("f", FieldText("text")),
                            ("v", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                                  min_df=2, lowercase=False))])),
        ("core_chars", Pipeline([("f", FieldText("text", squashed=True)),
                                 ("v", TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True,
                                                       min_df=2, lowercase=False))])),
        ("words", Pipeline([("f", WordText("text")),
                            ("v", TfidfVectorizer(token_pattern=r"\S+", lowercase=False, min_df=2))])),
        ("prev", Pipeline([("f", FieldText("prev", squashed=True)),
                           ("v", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=3,
                                                 lowercase=False))])),
        ("next", Pipeline([("f", FieldText("next", squashed=True)),
                           ("v", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=3,
                                                 lowercase=False))])),
        ("layout", Pipeline([("f", LayoutFeatures()), ("v", DictVectorizer())])),
    ])
