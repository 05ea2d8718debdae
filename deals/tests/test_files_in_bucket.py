"""A deal's files in a private S3-compatible bucket (a local moto server): stored there,
downloaded by a short-lived signed link for those who see the deal, thumbnails streamed by
the project, objects removed with the file."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.http import content_disposition_header

from deals.models import DealFile

from .test_files import PDF, png_bytes


@pytest.fixture(autouse=True)
def _media_in_bucket(media_bucket):
    """Everything saved in these tests goes to the bucket."""


def test_uploaded_files_live_in_the_bucket_and_reach_only_who_sees_the_deal(
    media_bucket, client_a, client_b, deal_a, django_capture_on_commit_callbacks
):
    response = client_a.post(
        reverse("deals:file_upload", args=[deal_a.pk]),
        {
            "files": [
                SimpleUploadedFile("Смета «весна».pdf", PDF),
                SimpleUploadedFile("фото.png", png_bytes()),
            ]
        },
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 200
    pdf = DealFile.objects.get(name="Смета «весна».pdf")
    photo = DealFile.objects.get(name="фото.png")
    keys = [media_bucket.key(n) for n in (pdf.file.name, photo.file.name, photo.thumbnail.name)]
    assert set(keys) <= set(media_bucket.listing())
    assert media_bucket.read(keys[0]) == PDF

    # The download is a redirect to a signed link that names the file in Russian.
    download = client_a.get(reverse("deals:file_download", args=[deal_a.pk, pdf.pk]))
    assert download.status_code == 302
    location = download["Location"]
    assert location.startswith(f"{media_bucket.endpoint}/{media_bucket.name}/")
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["60"]
    assert "no-store" in download["Cache-Control"]
    fetched = httpx.get(location)
    assert fetched.content == PDF
    assert fetched.headers["content-disposition"] == content_disposition_header(
        True, "Смета «весна».pdf"
    )
    assert fetched.headers["content-type"] == "application/pdf"
    # The object itself is private, and another manager gets nothing from the project.
    assert httpx.get(media_bucket.plain_url(pdf.file.name)).status_code == 403
    assert client_b.get(reverse("deals:file_download", args=[deal_a.pk, pdf.pk])).status_code == 404

    # The thumbnail is streamed by the project: the card's CSP allows only its own origin.
    thumbnail = client_a.get(reverse("deals:file_thumbnail", args=[deal_a.pk, photo.pk]))
    assert thumbnail.status_code == 200
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert b"".join(thumbnail.streaming_content)[:3] == b"\xff\xd8\xff"

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client_a.post(reverse("deals:file_delete", args=[deal_a.pk, photo.pk]))
    assert deleted.status_code == 302
    assert not set(keys[1:]) & set(media_bucket.listing())
    assert keys[0] in media_bucket.listing()
