"""An invoice's PDF with media in a private S3-compatible bucket (a local moto server)."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.urls import reverse


@pytest.fixture(autouse=True)
def _media_in_bucket(media_bucket):
    pass


def test_the_invoice_pdf_is_in_the_private_bucket_for_its_manager_and_client_only(
    media_bucket, make_invoice, client_a, client_b, anon, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice()
    invoice.refresh_from_db()
    key = media_bucket.key(invoice.pdf.name)
    assert key in media_bucket.listing()
    stored = media_bucket.read(key)
    assert stored.startswith(b"%PDF")
    assert httpx.get(media_bucket.plain_url(invoice.pdf.name)).status_code == 403

    staff = reverse("billing:invoice_pdf", args=[invoice.deal_id, invoice.pk])
    public = reverse("billing:invoice_public_pdf", args=[invoice.token])
    for client, url in [(client_a, staff), (anon, public)]:
        response = client.get(url)
        assert response.status_code == 302
        location = response["Location"]
        assert location.startswith(f"{media_bucket.endpoint}/{media_bucket.name}/crm/pdf/")
        assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["60"]
        download = httpx.get(location)
        assert download.status_code == 200
        assert download.content == stored
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"] == (
            f'inline; filename="{invoice.pdf_filename()}"'
        )
    assert client_b.get(staff).status_code == 404


def test_a_pdf_missing_from_the_bucket_is_rendered_again(
    media_bucket, make_invoice, anon, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice()
    invoice.refresh_from_db()
    key = media_bucket.key(invoice.pdf.name)
    media_bucket.client.delete_object(Bucket=media_bucket.name, Key=key)
    url = reverse("billing:invoice_public_pdf", args=[invoice.token])
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.get(url)
    # No link to an object that is not there: the client is told to come back.
    assert response.status_code == 302 and response["Location"] == invoice.public_path()
    invoice.refresh_from_db()
    assert media_bucket.key(invoice.pdf.name) in media_bucket.listing()
    assert anon.get(url)["Location"].startswith(media_bucket.endpoint)
