"""PDF of a written document (.docx or .xlsx) through LibreOffice, for ``--pdf``.

LibreOffice runs headless with a profile of its own (a user's open LibreOffice window would
otherwise take the job over, or lock it); the PDF is written beside the document.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_S = 300


class PdfError(Exception):
    """The PDF could not be made (Vietnamese message naming the file)."""


def soffice() -> str | None:
    return os.environ.get("CCHC_XL_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(path: str | os.PathLike) -> Path:
    """Write ``<stem>.pdf`` beside ``path``; returns its path."""
    path = Path(path)
    exe = soffice()
    if not exe:
        raise PdfError(f"{path.name}: không tạo được PDF vì máy không có LibreOffice (lệnh soffice); "
                       "hãy cài LibreOffice hoặc bỏ --pdf")
    target = path.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="cchc-xl-pdf-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        try:
            done = subprocess.run([exe, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                                   "--outdir", tmp, str(path)], capture_output=True, timeout=TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"{path.name}: LibreOffice không chuyển được sang PDF ({exc.__class__.__name__})") from None
        made = Path(tmp, path.stem + ".pdf")
        if done.returncode != 0 or not made.exists():
            raise PdfError(f"{path.name}: LibreOffice không chuyển được sang PDF")
        try:
            os.replace(made, target)
        except OSError:
            shutil.move(str(made), target)
    return target
