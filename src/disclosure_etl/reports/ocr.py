"""Offline OCR: image → text boxes with a confidence, by RapidOCR (PP-OCRv6 on ONNX Runtime).

The detection, angle-classifier and recognition models ship inside the ``rapidocr`` wheel
(``rapidocr/models/*.onnx``, pinned in requirements.lock); the engine is given their paths
explicitly, so it never takes its download path. Without ``rapidocr``/``onnxruntime``
installed, :func:`ocr_available` is False and callers record why instead of reading.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

#: Model files inside the rapidocr package (rapidocr 3.10: PP-OCRv6 small det/rec, v2 cls).
MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
}
INSTALL_HINT = "OCR needs the Python packages rapidocr and onnxruntime (see requirements.lock)"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class TextBox:
    """One recognised text line: its box in image pixels, text and recognition score."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def model_paths() -> dict[str, Path] | None:
    """The packaged model files, or None when rapidocr (or one of its models) is missing."""
    try:
        import onnxruntime  # noqa: F401
        import rapidocr
    except ImportError:
        return None
    root = Path(rapidocr.__file__).parent / "models"
    paths = {k: root / name for k, name in MODEL_FILES.items()}
    return paths if all(p.is_file() for p in paths.values()) else None


def ocr_available() -> bool:
    return model_paths() is not None


@cache
def _engine() -> Any:
    from rapidocr import RapidOCR

    paths = model_paths()
    if paths is None:
        raise RuntimeError(INSTALL_HINT)
    params: dict[str, Any] = {"Global.log_level": "error"}
    for stage, path in paths.items():
        params[f"{stage}.model_path"] = str(path)
    params["EngineConfig.onnxruntime.intra_op_num_threads"] = 1
    params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return RapidOCR(params=params)


def recognise_lines(images: list[Any]) -> list[tuple[str, float]]:
    """(text, score) of each single-line image (greyscale numpy arrays); no detection step."""
    import cv2

    if not images:
        return []
    bgr = [cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img for img in images]
    with _LOCK:
        out = _engine().recognize_txt(bgr)
    return [(str(t), float(s)) for t, s in zip(out.txts, out.scores, strict=True)]


def read_boxes(image: Any) -> list[TextBox]:
    """Text lines of an image (a numpy array, grey or BGR), in no particular order."""
    with _LOCK:  # one engine per process; onnxruntime sessions are not shared across threads here
        out = _engine()(image, use_cls=False)
    boxes = getattr(out, "boxes", None)
    if boxes is None:
        return []
    result: list[TextBox] = []
    for quad, text, score in zip(boxes, out.txts, out.scores, strict=True):
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        result.append(TextBox(min(xs), min(ys), max(xs), max(ys), str(text), float(score)))
    return result
