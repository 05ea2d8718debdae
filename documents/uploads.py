"""Files a client attaches to a questionnaire: up to QUESTIONNAIRE_UPLOAD_MAX_MB, of any type
crm.uploads recognises by its first bytes."""

from django.conf import settings

from crm import uploads
from crm.uploads import safe_filename

__all__ = ["ACCEPT_ATTR", "ALLOWED_LABEL", "max_bytes", "safe_filename", "validate_upload"]

TYPES = tuple(uploads.KNOWN)
ACCEPT_ATTR = uploads.accept_attr(TYPES)
ALLOWED_LABEL = uploads.types_label(TYPES)


def max_bytes() -> int:
    return settings.QUESTIONNAIRE_UPLOAD_MAX_MB * 1024 * 1024


def validate_upload(upload) -> None:
    """Raise ValidationError (in Russian, naming the problem) for a file we do not take."""
    upload.seek(0)
    head = upload.read(uploads.HEAD_BYTES)
    upload.seek(0)
    uploads.check_upload(
        name=upload.name,
        size=upload.size,
        head=head,
        max_mb=settings.QUESTIONNAIRE_UPLOAD_MAX_MB,
        types=TYPES,
    )
