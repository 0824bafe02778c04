"""Old binary Word ``.doc`` → DOCX by LibreOffice headless, so it is read by the DOCX path.

antiword and catdoc read the prose of a ``.doc`` but lose the structure of merged-cell tables
(table 三 comes out as a few broken rows), so LibreOffice (Debian ``libreoffice-writer-nogui``)
converts the file and the DOCX reader does the rest: a ``.doc`` gives the same figures as the
DOCX it was saved from. Without LibreOffice the antiword text reader (``extract._read_doc``)
is the fallback and the report cannot be ``parsed`` (its note names the package to install).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

#: Debian package that provides ``soffice`` without a GUI.
LIBREOFFICE_PACKAGE = "libreoffice-writer-nogui"
TIMEOUT_S = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def doc_to_docx(data: bytes) -> tuple[bytes | None, str | None]:
    """(DOCX bytes, None), or (None, why not) when LibreOffice is missing or fails."""
    exe = soffice()
    if exe is None:
        return None, f"doc_without_libreoffice: tables of a .doc need {LIBREOFFICE_PACKAGE} (soffice)"
    with tempfile.TemporaryDirectory(prefix="doc2docx-") as tmp:
        src = Path(tmp) / "report.doc"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"  # a private profile: concurrent conversions do not collide
        try:
            done = subprocess.run(
                [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                 "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, str(src)],
                capture_output=True, timeout=TIMEOUT_S, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return None, f"doc_conversion_failed: LibreOffice took more than {TIMEOUT_S}s"
        out = Path(tmp) / "report.docx"
        if done.returncode != 0 or not out.is_file():
            err = done.stderr.decode("utf-8", "replace").strip()[:120]
            return None, f"doc_conversion_failed: LibreOffice exit {done.returncode} {err}".strip()
        return out.read_bytes(), None
