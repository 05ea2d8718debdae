"""Media in a private bucket of an S3-compatible service (Yandex Object Storage, VK Cloud,
MinIO, AWS), chosen by MEDIA_STORAGE_URL (crm/storage.py)."""

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """Objects stay private. `url()` is the project's own address under MEDIA_URL, as with
    the local folder, so pages, the admin and PDFs never hold a link to the bucket; the
    views behind that address check access (crm.media). A download a view has allowed goes
    to the object through `signed_url()`, a link that works for MEDIA_SIGNED_URL_SECONDS."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return settings.MEDIA_URL + filepath_to_uri(name).lstrip("/")

    def signed_url(self, name: str, *, filename: str, attachment: bool, content_type: str) -> str:
        # The storage answers with the name and type the project chose, whatever it keeps.
        parameters = {
            "ResponseContentDisposition": content_disposition_header(attachment, filename),
            "ResponseContentType": content_type,
            "ResponseCacheControl": "private, no-store",
        }
        return super().url(name, parameters=parameters)
