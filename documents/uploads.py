"""Files a client attaches to a questionnaire: limited in size, and accepted only when the
extension is on the list and the first bytes are what that extension promises."""

import os
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError

ZIP = (b"PK\x03\x04",)
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)

# extension → (what to call it, accepted leading bytes; None: plain text)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("PDF", (b"%PDF-",)),
    "jpg": ("JPEG", (b"\xff\xd8\xff",)),
    "jpeg": ("JPEG", (b"\xff\xd8\xff",)),
    "png": ("PNG", (b"\x89PNG\r\n\x1a\n",)),
    "gif": ("GIF", (b"GIF87a", b"GIF89a")),
    "webp": ("WebP", (b"RIFF",)),
    "doc": ("DOC", OLE),
    "xls": ("XLS", OLE),
    "ppt": ("PPT", OLE),
    "docx": ("DOCX", ZIP),
    "xlsx": ("XLSX", ZIP),
    "pptx": ("PPTX", ZIP),
    "odt": ("ODT", ZIP),
    "ods": ("ODS", ZIP),
    "zip": ("ZIP", ZIP),
    "rtf": ("RTF", (b"{\\rtf",)),
    "txt": ("TXT", None),
    "csv": ("CSV", None),
}

ACCEPT_ATTR = ",".join(f".{ext}" for ext in ALLOWED)
ALLOWED_LABEL = ", ".join(sorted({label for label, _ in ALLOWED.values()}))


def max_bytes() -> int:
    return settings.QUESTIONNAIRE_UPLOAD_MAX_MB * 1024 * 1024


def validate_upload(upload) -> None:
    """Raise ValidationError (in Russian, naming the problem) for a file we do not take."""
    if upload.size > max_bytes():
        raise ValidationError(
            f"Файл слишком большой: {_mb(upload.size)} МБ. "
            f"Можно не больше {settings.QUESTIONNAIRE_UPLOAD_MAX_MB} МБ."
        )
    if upload.size == 0:
        raise ValidationError("Файл пустой.")
    ext = os.path.splitext(upload.name)[1].lower().lstrip(".")
    if ext not in ALLOWED:
        raise ValidationError(f"Файлы такого типа не принимаются. Подойдут: {ALLOWED_LABEL}.")
    label, signatures = ALLOWED[ext]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures is None:
        ok = b"\x00" not in head
    else:
        ok = any(head.startswith(sig) for sig in signatures)
        if ok and ext == "webp":
            ok = head[8:12] == b"WEBP"
    if not ok:
        raise ValidationError(
            f"Содержимое файла не похоже на {label}: файл повреждён или у него неверное расширение."
        )


def safe_filename(name: str) -> str:
    """A file name safe to store and to put in Content-Disposition: no folders, no control
    characters; Cyrillic letters stay."""
    name = unicodedata.normalize("NFC", os.path.basename(name.replace("\\", "/")))
    stem, ext = os.path.splitext(name)
    stem = re.sub(r"[^\w\-. ()]+", "_", stem).strip(" ._") or "file"
    ext = re.sub(r"[^\w.]+", "", ext.lower())
    return stem[:100] + ext[:10]


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")
