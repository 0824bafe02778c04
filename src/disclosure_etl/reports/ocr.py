"""Offline OCR: text-line images → (text, confidence), by RapidOCR (PP-OCRv6 on ONNX Runtime).

The detection, angle-classifier and recognition models ship inside the ``rapidocr`` wheel
(``rapidocr/models/*.onnx``, pinned in requirements.lock); the engine is given their paths
explicitly, so it never takes its download path. Without ``rapidocr``/``onnxruntime``
installed, :func:`ocr_available` is False and callers record why instead of reading.
"""

from __future__ import annotations

import threading
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
