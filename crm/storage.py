"""Where uploaded files and generated PDFs live, from one setting, MEDIA_STORAGE_URL:

- empty: the folder MEDIA_ROOT (one machine, or a volume every machine mounts);
- ``s3://[ACCESS_KEY:SECRET_KEY@]bucket[/prefix]?endpoint_url=…&region=…``: a private
  bucket of an S3-compatible service (crm.s3.PrivateS3Storage). Without keys in the address
  the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables are read. A key containing
  ``/``, ``+``, ``:`` or ``@`` is written percent-encoded (``/`` as ``%2F``).

Kept free of the S3 library: the settings module imports it on every start.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_BACKEND = "crm.s3.PrivateS3Storage"
EXAMPLE = "s3://bucket/prefix?endpoint_url=https://storage.yandexcloud.net&region=ru-central1"
QUERY_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "region": "region_name",
    "addressing_style": "addressing_style",
}
ADDRESSING_STYLES = {"auto", "path", "virtual"}


def media_storage(url: str, *, signed_url_seconds: int) -> dict:
    """STORAGES["default"] for MEDIA_STORAGE_URL (see the module's docstring)."""
    if not url:
        return FILESYSTEM
    parts = urlsplit(url)
    bucket = parts.netloc.rpartition("@")[2]
    if parts.scheme != "s3" or not bucket or ":" in bucket:
        # The address may hold keys: the message does not repeat it.
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL must be empty or look like {EXAMPLE}; keys in it are "
            "percent-encoded (a '/' in a secret key is written %2F)."
        )
    if signed_url_seconds < 1:
        raise ImproperlyConfigured("MEDIA_SIGNED_URL_SECONDS must be a positive number.")
    options = {
        "bucket_name": bucket,
        "location": unquote(parts.path).strip("/"),
        # Private objects: no ACL is sent, so an object gets the bucket's (private) one, and
        # links to objects are signed and short-lived.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": signed_url_seconds,
        "signature_version": "s3v4",
        # Keep both files when two uploads share a name, as the local folder does: a fixed
        # document keeps naming the logo it was sent with.
        "file_overwrite": False,
    }
    if "@" in parts.netloc:
        if not parts.username or not parts.password:
            raise ImproperlyConfigured(
                "MEDIA_STORAGE_URL: write both keys, s3://ACCESS_KEY:SECRET_KEY@bucket/…, "
                "or neither (then AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are read)."
            )
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password)
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        if name not in QUERY_OPTIONS:
            known = ", ".join(QUERY_OPTIONS)
            raise ImproperlyConfigured(
                f"MEDIA_STORAGE_URL: unknown parameter {name!r} (known: {known})."
            )
        options[QUERY_OPTIONS[name]] = values[-1]
    if options.get("addressing_style", "auto") not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE_URL: addressing_style is one of auto, path, virtual."
        )
    endpoint = options.get("endpoint_url", "")
    if endpoint and urlsplit(endpoint).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL: endpoint_url must be an http(s) address, got {endpoint!r}."
        )
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
