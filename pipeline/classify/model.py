"""Loading the trained label classifier safely, and the spotter that uses it.

The model file is a skops archive.  Loading trusts sklearn's own types (skops does
that by default) plus exactly the names in `TRUSTED_TYPES`; anything else in the file
is refused, so a tampered or foreign file cannot run code.
"""
from __future__ import annotations

import threading
import weakref
from functools import lru_cache
from pathlib import Path

from ..labels import Hit
from ..layout import Section, squash
from ..model import Token
from .candidates import candidates, strip_enumerator
from .decode import NONE, decode, row_order

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "models" / "label_classifier.skops"
FORMAT = 1  # bumped when records or feature transformers change incompatibly
TRUSTED_TYPES = [
    "pipeline.classify.features.FieldText",
    "pipeline.classify.features.WordText",
    "pipeline.classify.features.LayoutFeatures",
    "sklearn.calibration._CalibratedClassifier",  # private sklearn type skops does not pre-trust
]
CACHED_RECORDS = 20_000  # label candidates whose probabilities are kept (about 10 MB)
# a hit whose row the template order cannot place is kept for review, never "ok"
OUT_OF_ORDER_SCORE = 0.5
MIN_OUT_OF_ORDER_PROB = 0.5


class ModelError(RuntimeError):
    pass


def _retrain_hint(path: Path) -> str:
    return f"run `govreport train --out {path}` to build it"


def load_model(path: str | Path | None = None):
    """The fitted sklearn Pipeline, or ModelError saying how to get a usable one."""
    from ..loading import NotSkops, UntrustedTypes, load_audited

    path = Path(path) if path else DEFAULT_PATH
    if not path.is_file():
        raise ModelError(f"label classifier model not found at {path}; {_retrain_hint(path)}")
    try:
        model = load_audited(path, TRUSTED_TYPES)
    except UntrustedTypes as exc:
        raise ModelError(f"{path} contains types that are not trusted: {', '.join(exc.names)}; "
                         f"refusing to load it; {_retrain_hint(path)}") from None
    except NotSkops as exc:
        raise ModelError(f"{path} is not a readable skops model ({exc}); {_retrain_hint(path)}") from exc
    except Exception as exc:
        raise ModelError(f"{path} could not be loaded ({type(exc).__name__}: {exc}); "
                         f"it may come from an incompatible version; {_retrain_hint(path)}") from exc
    fmt = getattr(model, "govreport_format_", None)
    if fmt != FORMAT or not hasattr(model, "predict_proba"):
        raise ModelError(f"{path} has model format {fmt!r}, this code needs {FORMAT}; {_retrain_hint(path)}")
    return model


@lru_cache(maxsize=4)
def _cached(path: str):
    return load_model(path)


def _exact_rows(rows: dict[str, tuple[str, ...]]) -> dict[str, str]:
    # only printed variants: a stripped "3.其他" must not make the column header 其他 a row
    return {squash(v): row for row, variants in rows.items() for v in reversed(variants)}


class _IsotonicProba:
    """`model.predict_proba` for the model `govreport train` fits (features, then isotonic
    CalibratedClassifierCV over a multiclass linear classifier): the same numpy operations in
    the same order, without sklearn's per-call input validation, which costs more than the
    prediction (it runs once per class and fold: over a hundred times per section)."""

    def __init__(self, model):
        import numpy as np
        from sklearn.preprocessing import LabelEncoder

        from scipy import sparse

        from scipy.interpolate import interp1d
        from sklearn import config_context

        from .features import FieldText, WordText

        self.np, self.hstack, self.interp1d, self.config_context = np, sparse.hstack, interp1d, config_context
        self.text_steps = (FieldText, WordText)
        # the feature union's transformers, each (record field -> list, vectorizer), applied as
        # FeatureUnion.transform applies them (without its joblib and routing machinery per call)
        self.features = [[step for _, step in pipe.steps] for _, pipe in model.steps[0][1].transformer_list]
        self.clf = model.steps[-1][1]
        self.positions = [LabelEncoder().fit(cc.classes).transform(cc.estimator.classes_)
                          for cc in self.clf.calibrated_classifiers_]
        # the linear model's coefficients transposed once, C-ordered as scipy's sparse product
        # wants them (it would otherwise copy them, megabytes, on every call)
        self.coef_t = [np.ascontiguousarray(cc.estimator.coef_.T) for cc in self.clf.calibrated_classifiers_]
        self.cache: dict[tuple, object] = {}
        # per fold: its calibrators' ranges as arrays, where they all take float64 inputs
        self.bounds = {id(cc): (np.array([c.X_min_ for c in cc.calibrators], dtype=np.float64),
                                np.array([c.X_max_ for c in cc.calibrators], dtype=np.float64))
                       for cc in self.clf.calibrated_classifiers_
                       if all(c.X_thresholds_.dtype == np.float64 for c in cc.calibrators)}
        self.rows: list[dict[str, tuple]] = [{} for _ in self.features]  # per transformer: string -> CSR row
        self.shapes: list[tuple | None] = [None for _ in self.features]  # CSR class, width, dtypes

    @staticmethod
    def applies(model) -> bool:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.isotonic import IsotonicRegression
        from sklearn.linear_model import SGDClassifier
        from sklearn.pipeline import FeatureUnion, Pipeline

        steps = getattr(model, "steps", [])
        if len(steps) != 2 or type(steps[0][1]) is not FeatureUnion or steps[0][1].transformer_weights \
                or not all(type(p) is Pipeline for _, p in steps[0][1].transformer_list):
            return False
        clf = steps[1][1]
        return (type(clf) is CalibratedClassifierCV and len(clf.classes_) > 2
                and all(cc.method == "isotonic" and type(cc.estimator) is SGDClassifier
                        and cc.estimator.coef_.ndim == 2
                        and len(cc.classes) == len(clf.classes_)
                        and all(type(c) is IsotonicRegression and c.out_of_bounds == "clip"
                                and hasattr(c, "X_thresholds_") for c in cc.calibrators)
                        for cc in clf.calibrated_classifiers_))

    def __call__(self, recs: list[dict]):
        """Probabilities per record; a record seen before (the same label text, neighbours and
        place: reports of one template repeat them) is not predicted again.  Every step works
        row by row, so a row comes out the same in any batch."""
        keys = [tuple(sorted(rec.items())) for rec in recs]
        rows = {k: self.cache.get(k) for k in keys}  # local: other threads may clear the cache
        todo = [k for k, row in rows.items() if row is None]
        if todo:
            if len(self.cache) + len(todo) > CACHED_RECORDS:
                self.cache.clear()
            for key, row in zip(todo, self._predict([dict(k) for k in todo])):
                rows[key] = self.cache[key] = row.copy()
        return self.np.asarray([rows[k] for k in keys]).reshape(len(keys), len(self.clf.classes_))

    def _part(self, k: int, steps, recs: list[dict]):
        """One transformer's rows.  A text field's rows depend on that field's string only
        (tf-idf is computed and normalised row by row), and label texts and their neighbours
        recur within and across reports: each string is transformed once, its CSR row kept."""
        field = steps[0].field if type(steps[0]) in self.text_steps else None
        if field is None:
            X = recs
            for step in steps:
                X = step.transform(X)
            return X
        np, cache = self.np, self.rows[k]
        strings = [rec[field] for rec in recs]
        rows = {s: cache.get(s) for s in strings}  # local: other threads may clear the cache
        todo = [s for s, row in rows.items() if row is None]
        if todo:
            X = [{field: s} for s in todo]
            for step in steps:
                X = step.transform(X)
            X = X.tocsr()
            if len(cache) + len(todo) > CACHED_RECORDS:
                cache.clear()
            for i, s in enumerate(todo):
                a, b = X.indptr[i], X.indptr[i + 1]
                rows[s] = cache[s] = (X.indices[a:b].copy(), X.data[a:b].copy())
            self.shapes[k] = (type(X), X.shape[1], X.dtype, X.indices.dtype)
        kind, width, dtype, index_dtype = self.shapes[k]
        picked = [rows[s] for s in strings]
        indptr = np.zeros(len(picked) + 1, dtype=index_dtype)
        np.cumsum([len(ix) for ix, _ in picked], out=indptr[1:])
        indices = np.concatenate([ix for ix, _ in picked]).astype(index_dtype, copy=False)
        data = np.concatenate([d for _, d in picked]).astype(dtype, copy=False)
        return kind((data, indices, indptr), shape=(len(picked), width))

    def _predict(self, recs: list[dict]):
        np = self.np
        # the transformers' inputs are the records this class builds: sklearn's parameter and
        # finiteness checks (a fifth of the transforms' time) only validate what is known valid
        with self.config_context(skip_parameter_validation=True, assume_finite=True):
            parts = [self._part(k, steps, recs) for k, steps in enumerate(self.features)]
        X = self.hstack(parts).tocsr()
        mean = np.zeros((X.shape[0], self.clf.classes_.shape[0]))
        for cc, positions, coef_t in zip(self.clf.calibrated_classifiers_, self.positions, self.coef_t):
            mean += self._calibrated(cc, positions, coef_t, X)
        mean /= len(self.clf.calibrated_classifiers_)
        return mean

    def _interp(self, f, T):
        """f(T) for scipy's linear interp1d that delegates to numpy.interp (its calls cost
        tens of microseconds of checks, three folds times every class times every section);
        the same values, points outside its range getting its fill values."""
        if type(f) is not self.interp1d or f._call is not self.interp1d._call_linear_np \
                or f._extrapolate or T.ndim != 1 or T.dtype != self.np.float64:
            return f(T)
        y = self.np.interp(T, f.x, f.y)
        below, above = f._check_bounds(T)
        y[below] = f._fill_value_below
        y[above] = f._fill_value_above
        return y

    def _calibrated(self, cc, positions, coef_t, X):
        """sklearn's _CalibratedClassifier.predict_proba (multiclass, isotonic)."""
        np = self.np
        predictions = X.tocsr() @ coef_t + cc.estimator.intercept_  # the linear decision_function
        n_classes = cc.classes.shape[0]
        proba = np.zeros((X.shape[0], n_classes))
        bounds = self.bounds.get(id(cc))
        if bounds is not None and isinstance(predictions, np.ndarray) and predictions.dtype == np.float64:
            # every class's clip to its calibrator's range at once (elementwise: the same values)
            for class_idx, T, calibrator in zip(positions, np.clip(predictions, *bounds).T, cc.calibrators):
                proba[:, class_idx] = self._interp(calibrator.f_, T)
        else:
            for class_idx, this_pred, calibrator in zip(positions, predictions.T, cc.calibrators):
                T = np.asarray(this_pred, dtype=calibrator.X_thresholds_.dtype).reshape(-1)
                T = np.clip(T, calibrator.X_min_, calibrator.X_max_)
                proba[:, class_idx] = self._interp(calibrator.f_, T).astype(T.dtype)
        denominator = np.sum(proba, axis=1)[:, np.newaxis]
        uniform_proba = np.full_like(proba, 1 / n_classes)
        proba = np.divide(proba, denominator, out=uniform_proba, where=denominator != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba


_FAST: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_FAST_LOCK = threading.Lock()


def _fast_proba(model):
    """One `_IsotonicProba` (and its cache) per loaded model, shared by every spotter using it;
    the model's own predict_proba for other kinds of model."""
    if not _IsotonicProba.applies(model):
        return model.predict_proba
    with _FAST_LOCK:
        if model not in _FAST:
            _FAST[model] = _IsotonicProba(model)
        return _FAST[model]


class ModelSpotter:
    """Classifies every label candidate, then decodes the section in template order.

    An exact printed label variant and the model normally agree; when they do not,
    the exact variant names the row and the model's (low) probability for it is the
    score, so the field goes to review instead of being silently relabelled.
    """

    def __init__(self, model=None, path: str | Path | None = None):
        self.model = model if model is not None else _cached(str(Path(path) if path else DEFAULT_PATH))
        self.predict_proba = _fast_proba(self.model)

    def probabilities(self, recs: list[dict], allowed: list[str]) -> list[dict[str, float]]:
        classes = list(self.model.classes_)
        keep = [classes.index(c) for c in allowed + [NONE] if c in classes]
        out = []
        for row in self.predict_proba(recs):
            sub = {classes[j]: float(row[j]) for j in keep}
            total = sum(sub.values()) or 1.0
            out.append({c: p / total for c, p in sub.items()})
        return out

    def spot(self, tokens: list[Token], section: Section, rows: dict[str, tuple[str, ...]]) -> list[Hit]:
        from .features import record

        cands = candidates(tokens, section, rows)
        if not cands:
            return []
        printed = row_order(section.table_id)
        order = [r for r in printed if r in rows] + [r for r in rows if r not in printed]
        probs = self.probabilities([record(cands, i, section.table_id) for i in range(len(cands))], order)
        decoded = decode(probs, order)
        exact = _exact_rows(rows)
        assigned = {r for r in decoded if r != NONE}
        hits = []
        for i, c in enumerate(cands):
            row, p = decoded[i], probs[i]
            kw = exact.get(c.key) or exact.get(strip_enumerator(c.key))
            if kw and kw != row and kw not in assigned:
                hits.append(self._hit(c, kw, p.get(kw, 0.0)))
                assigned.add(kw)
                continue
            if row != NONE:
                hits.append(self._hit(c, row, p[row]))
                continue
            best = max(order, key=lambda r: p.get(r, 0.0))
            if best not in assigned and p.get(best, 0.0) >= MIN_OUT_OF_ORDER_PROB:
                hits.append(self._hit(c, best, min(p[best], OUT_OF_ORDER_SCORE)))
                assigned.add(best)
        return sorted(hits, key=lambda h: (h.token, h.offset))

    @staticmethod
    def _hit(c, row: str, score: float) -> Hit:
        return Hit(row, c.token, c.last_token, c.index, round(min(1.0, score), 4), c.key)
