"""OCR engines behind one small protocol, created once per process.

The default engine is RapidOCR's ONNX PP-OCR models as shipped inside the `rapidocr` wheel:
nothing is downloaded at run time.  Detection runs once per page on a downscaled copy;
recognition reads crops of the full-resolution page one at a time, each at its own width
(the stock pipeline pads every crop, even a lone "0", to 320 px), from a small thread pool.
The angle classifier stays off: report pages are upright, and it flipped digits in a probe.
"""
from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

BBox = tuple[float, float, float, float]


class OcrUnavailable(RuntimeError):
    """The OCR engine or its model files are not installed."""


@dataclass
class OcrBox:
    text: str
    bbox: BBox  # x0, top, x1, bottom in image pixels
    score: float


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: np.ndarray) -> list[OcrBox]:
        """Detect and read all text on a BGR page image."""

    def recognize_crops(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Read single-line crops (no detection), e.g. one table cell each."""

    # Optional (RapidOcrEngine): `detect(image) -> quads` and `read_quads(image, quads)`, so
    # that a page's lines are found first and only those worth reading are recognized.

    def recognize_crop(self, crop: np.ndarray) -> tuple[str, float]:
        """Read one single-line crop."""


def _threads() -> int:
    """Threads per engine: GOVREPORT_OCR_THREADS, else all cores (at most 4)."""
    env = os.environ.get("GOVREPORT_OCR_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(4, os.cpu_count() or 1))


def _as_bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    return image


def _quad_bbox(q: np.ndarray) -> BBox:
    return (float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()))


class RapidOcrEngine:
    name = "rapidocr"
    REC_HEIGHT = 48  # the recognition model's fixed input height
    # Longest page side fed to the detector (docs/ocr.md): a 200-dpi A4 page is 2339 px.
    DET_SIDE = 1280
    MIN_WIDTH = 64  # narrower crops (a lone digit) are padded: tiny inputs read less reliably
    MAX_WIDTH = 3200

    def __init__(self, det_side: int | None = None, threads: int | None = None):
        try:
            import rapidocr
            from rapidocr import RapidOCR
            from rapidocr.utils.process_img import get_rotate_crop_image
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise OcrUnavailable("the rapidocr engine is not installed: reinstall govreport (rapidocr, "
                                 "onnxruntime and opencv-python-headless are among its dependencies)") from exc
        models = Path(rapidocr.__file__).resolve().parent / "models"
        det = sorted(models.glob("*det*.onnx"))
        rec = sorted(models.glob("*rec*.onnx"))
        if not det or not rec:
            # refuse rather than let rapidocr fetch weights from the network
            raise OcrUnavailable(f"rapidocr model files missing in {models}: reinstall the rapidocr wheel "
                                 "(pip install --force-reinstall rapidocr)")
        self.det_side = det_side or int(os.environ.get("GOVREPORT_OCR_DET_SIDE", self.DET_SIDE))
        self.threads = threads or _threads()
        import cv2

        # OpenCV's own thread pool (resize, warps) must share the engine's cores: left at every
        # core, two batch workers' pools oversubscribe the machine (a scan took 1.5x as long).
        cv2.setNumThreads(self.threads)

        def build(n: int):
            return RapidOCR(params={
                "Global.use_cls": False,
                "Global.log_level": "error",
                "Det.model_path": str(det[-1]),
                "Rec.model_path": str(rec[-1]),
                "EngineConfig.onnxruntime.intra_op_num_threads": n,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            })

        # Detection is one large inference: ONNX Runtime may use all threads on it.
        # Recognition is many small ones: a single-threaded session fed one crop at a time
        # from `threads` Python threads (ORT releases the GIL).  Measured (docs/ocr.md):
        # unbatched crops at their own width cost less CPU than padded batches, and the pool
        # keeps every core busy where intra-op threading on tiny inputs does not.
        self._det = build(self.threads)._load_det_model()
        self._rec = build(1)._load_rec_model()
        self._crop = get_rotate_crop_image
        self._pool = None
        self._lock = threading.Lock()  # the detector object keeps per-call state

    # -- detection ----------------------------------------------------------------------
    def detect(self, image: np.ndarray, within: BBox | None = None) -> list[np.ndarray]:
        """Text-line quadrilaterals (4x2, full-image pixels), in rough reading order; `within`: only
        in that region of the image (the detector's cost grows with its input).  The region is cut
        from the whole image as the detector would see it (downscaled, then resized to multiples
        of 32), on that grid of 32: its pixels are the whole image's, so it finds what detection
        of the whole image finds there."""
        import cv2

        image = _as_bgr(image)
        h, w = image.shape[:2]
        scale = min(1.0, self.det_side / max(h, w))
        small = image if scale == 1.0 else cv2.resize(
            image, (max(32, round(w * scale)), max(32, round(h * scale))), interpolation=cv2.INTER_AREA)
        sh, sw = small.shape[:2]
        # the detector's own resize (rapidocr DetPreProcess with limit_side_len 0), done here
        nh, nw = max(32, round(sh / 32) * 32), max(32, round(sw / 32) * 32)
        net = small if (nh, nw) == (sh, sw) else cv2.resize(small, (nw, nh))
        fx, fy = nw / w, nh / h  # image pixels -> detector pixels
        x0 = y0 = 0
        if within is not None:
            x0 = max(0, math.floor(within[0] * fx / 32) * 32)
            y0 = max(0, math.floor(within[1] * fy / 32) * 32)
            x1 = min(nw, math.ceil(within[2] * fx / 32) * 32)
            y1 = min(nh, math.ceil(within[3] * fy / 32) * 32)
            if x1 - x0 < 32 or y1 - y0 < 32 or within[2] - within[0] < 8 or within[3] - within[1] < 8:
                return []
            net = net[y0:y1, x0:x1]
        with self._lock:
            # limit_side_len 0 with "min": sizes already multiples of 32 stay as they are
            self._det.limit_side_len, self._det.limit_type = 0, "min"
            out = self._det(np.ascontiguousarray(net))
        if out.boxes is None or len(out.boxes) == 0:
            return []
        offset, ratio = np.array([x0, y0], np.float32), np.array([fx, fy], np.float32)
        return [(np.asarray(b, dtype=np.float32) + offset) / ratio for b in out.boxes]

    # -- recognition --------------------------------------------------------------------
    def _norm(self, crop: np.ndarray, width: int) -> np.ndarray:
        import cv2

        h, w = crop.shape[:2]
        rw = max(1, min(width, math.ceil(self.REC_HEIGHT * w / max(1, h))))
        img = cv2.resize(crop, (rw, self.REC_HEIGHT)).astype(np.float32)
        out = np.zeros((3, self.REC_HEIGHT, width), np.float32)
        out[:, :, :rw] = img.transpose(2, 0, 1) / 127.5 - 1.0
        return out

    def _read_one(self, crop: np.ndarray) -> tuple[str, float]:
        h, w = crop.shape[:2]
        if h < 2 or w < 2:
            return "", 0.0
        need = math.ceil(self.REC_HEIGHT * w / h / 8) * 8
        width = int(min(max(self.MIN_WIDTH, need), self.MAX_WIDTH))
        preds = self._rec.session(self._norm(crop, width)[None])
        ratio = width / self.REC_HEIGHT
        lines, _ = self._rec.postprocess_op(preds, False, wh_ratio_list=[ratio], max_wh_ratio=ratio)
        text, score = lines[0]
        return text, float(score)

    def recognize_crops(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        crops = [_as_bgr(c) for c in crops]
        if len(crops) <= 1 or self.threads == 1:
            return [self._read_one(c) for c in crops]
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            with self._lock:  # two threads' first pages must not build two pools
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="ocr-rec")
        # widest first, so the threads finish together
        order = sorted(range(len(crops)), key=lambda i: -crops[i].shape[1] / max(1, crops[i].shape[0]))
        reads = list(self._pool.map(self._read_one, [crops[i] for i in order]))
        results: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        for i, r in zip(order, reads):
            results[i] = r
        return results

    def recognize_crop(self, crop: np.ndarray) -> tuple[str, float]:
        return self._read_one(_as_bgr(crop))

    def recognize(self, image: np.ndarray) -> list[OcrBox]:
        image = _as_bgr(image)
        return self.read_quads(image, self.detect(image))

    def read_quads(self, image: np.ndarray, quads: Sequence[np.ndarray]) -> list[OcrBox]:
        """Read the given detected lines of a BGR page (empty reads dropped)."""
        image = _as_bgr(image)
        crops = [self._crop(image, q.copy()) for q in quads]
        keep = [i for i, c in enumerate(crops) if c.size and min(c.shape[:2]) >= 4]
        reads = self.recognize_crops([crops[i] for i in keep])
        return [OcrBox(text.strip(), _quad_bbox(quads[i]), score)
                for i, (text, score) in zip(keep, reads) if text.strip()]


class PaddleOcrEngine:
    """Native PaddleOCR with model directories from GOVREPORT_PADDLE_MODELS (det/ and rec/ inside).

    Optional: imported lazily, never downloads; fails with OcrUnavailable when not set up."""

    name = "paddle"

    def __init__(self, model_dir: str | None = None):
        root = model_dir or os.environ.get("GOVREPORT_PADDLE_MODELS")
        if not root:
            raise OcrUnavailable("the paddle engine needs GOVREPORT_PADDLE_MODELS=<dir with det/ and rec/ "
                                 "inference models>; models are never downloaded at run time")
        det, rec = Path(root) / "det", Path(root) / "rec"
        if not det.is_dir() or not rec.is_dir():
            raise OcrUnavailable(f"paddle model dirs missing: expected {det} and {rec}")
        try:
            from paddleocr import PaddleOCR
        except ImportError as exc:
            raise OcrUnavailable("the paddle engine is not installed: pip install 'govreport[paddle]' "
                                 "(paddleocr, paddlepaddle)") from exc
        self._ocr = PaddleOCR(text_detection_model_dir=str(det), text_recognition_model_dir=str(rec),
                              use_doc_orientation_classify=False, use_doc_unwarping=False,
                              use_textline_orientation=False)

    def recognize(self, image: np.ndarray) -> list[OcrBox]:
        boxes = []
        for res in self._ocr.predict(_as_bgr(image)):
            for poly, text, score in zip(res["rec_polys"], res["rec_texts"], res["rec_scores"]):
                if text.strip():
                    boxes.append(OcrBox(text.strip(), _quad_bbox(np.asarray(poly)), float(score)))
        return boxes

    def recognize_crops(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        out = []
        for crop in crops:
            boxes = self.recognize(crop)
            out.append(("".join(b.text for b in boxes), min(b.score for b in boxes)) if boxes else ("", 0.0))
        return out

    def recognize_crop(self, crop: np.ndarray) -> tuple[str, float]:
        return self.recognize_crops([crop])[0]


ENGINES = {"rapidocr": RapidOcrEngine, "paddle": PaddleOcrEngine}
DEFAULT_ENGINE = "rapidocr"
_cache: dict[str, OcrEngine] = {}
_cache_lock = threading.Lock()


def get_engine(name: str | None = None) -> OcrEngine:
    """The process-wide engine `name` (default: GOVREPORT_OCR_ENGINE or rapidocr), built once."""
    name = (name or os.environ.get("GOVREPORT_OCR_ENGINE") or DEFAULT_ENGINE).lower()
    if name not in ENGINES:
        raise OcrUnavailable(f"unknown OCR engine {name!r}; choose one of {', '.join(sorted(ENGINES))}")
    with _cache_lock:
        if name not in _cache:
            _cache[name] = ENGINES[name]()
        return _cache[name]
