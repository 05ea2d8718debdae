"""What an uploaded file must be to be kept: not empty, not over a size, with an extension on
a list, and with first bytes that are what the extension promises (a renamed program is not
a PDF). Questionnaire answers and deal files each choose their size and their extensions."""

import mimetypes
import os
import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured, ValidationError

ZIP = (b"PK\x03\x04",)
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)

# extension → (what to call it, accepted leading bytes; None: plain text)
KNOWN: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
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
IMAGES = frozenset({"jpg", "jpeg", "png", "gif", "webp"})
HEAD_BYTES = 2048


def known_types(extensions: Iterable[str]) -> tuple[str, ...]:
    """The setting's extensions, checked at start: one we cannot recognise by its bytes
    would let anything in under its name."""
    types = tuple(ext.strip().lower().lstrip(".") for ext in extensions if ext.strip())
    unknown = sorted(set(types) - set(KNOWN))
    if unknown:
        raise ImproperlyConfigured(
            f"Unknown file types {', '.join(unknown)}; known: {', '.join(KNOWN)}."
        )
    return types


def accept_attr(types: Iterable[str]) -> str:
    """The `accept` attribute of a file input for these extensions."""
    return ",".join(f".{ext}" for ext in types)


def types_label(types: Iterable[str]) -> str:
    """«DOC, JPEG, PDF»: the kinds a person may choose, for messages and hints."""
    return ", ".join(sorted({KNOWN[ext][0] for ext in types}))


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lower().lstrip(".")


def check_upload(*, name: str, size: int, head: bytes, max_mb: int, types: Iterable[str]) -> None:
    """Raise ValidationError (in Russian, naming the problem) for a file we do not take.
    `head` is the file's first bytes (HEAD_BYTES are enough)."""
    types = tuple(types)
    if size > max_mb * 1024 * 1024:
        raise ValidationError(f"Файл слишком большой: {mb(size)} МБ. Можно не больше {max_mb} МБ.")
    if size == 0:
        raise ValidationError("Файл пустой.")
    ext = extension(name)
    if ext not in types:
        raise ValidationError(f"Файлы такого типа не принимаются. Подойдут: {types_label(types)}.")
    label, signatures = KNOWN[ext]
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


def content_type(name: str) -> str:
    """The type a stored file is served with: from its extension, which check_upload has
    matched with its bytes, never what the sender claimed."""
    return mimetypes.guess_type(f"x.{extension(name)}")[0] or "application/octet-stream"


def safe_filename(name: str) -> str:
    """A file name safe to store and to put in Content-Disposition: no folders, no control
    characters; Cyrillic letters stay."""
    name = unicodedata.normalize("NFC", os.path.basename(name.replace("\\", "/")))
    stem, ext = os.path.splitext(name)
    stem = re.sub(r"[^\w\-. ()]+", "_", stem).strip(" ._") or "file"
    ext = re.sub(r"[^\w.]+", "", ext.lower())
    return stem[:100] + ext[:10]


def mb(size: int) -> str:
    """«1,5»: a size in megabytes as a Russian reader writes it."""
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def human_size(size: int) -> str:
    """«820 Б», «14 КБ», «2,3 МБ»."""
    if size < 1024:
        return f"{size} Б"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} КБ"
    return f"{mb(size)} МБ"


THUMBNAIL_PX = 320


def thumbnail(content: bytes) -> bytes | None:
    """A JPEG no larger than THUMBNAIL_PX on either side, turned as the camera held it; None
    when the bytes are not a picture Pillow reads (or one too large to open safely)."""
    from io import BytesIO

    from PIL import Image, ImageOps

    try:
        with Image.open(BytesIO(content)) as image:
            image.draft("RGB", (THUMBNAIL_PX * 2, THUMBNAIL_PX * 2))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                background = Image.new("RGB", image.size, "white")
                background.paste(image, mask=image.getchannel("A"))
                image = background
            elif image.mode != "RGB":
                image = image.convert("RGB")
            out = BytesIO()
            image.save(out, "JPEG", quality=82)
            return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def display_name(name: str) -> str:
    """The name a person gave the file, as shown and offered on download: no folders, no
    control or invisible formatting characters (a right-to-left override could disguise
    «exe.pdf»), at most 200 characters with its extension kept."""
    name = unicodedata.normalize("NFC", os.path.basename(name.replace("\\", "/")))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    stem, ext = os.path.splitext(name)
    return (stem[: 200 - len(ext[:20])] + ext[:20]) or "file"
