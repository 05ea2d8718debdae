"""Media in a private S3-compatible bucket (a local moto server): documents' PDFs, the
client's uploads, the logo and the templates' pictures are stored there, and reach only
the people the views let through."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.http import content_disposition_header

from crm.testing import pdf_image_count
from documents import services
from documents.models import Contract, Proposal, QuestionKind

from .conftest import CONTACT_EMAIL, png_bytes


@pytest.fixture(autouse=True)
def _media_in_bucket(media_bucket):
    """Before any fixture saves a file (the seller's logo): everything goes to the bucket."""


def follow_signed(response, bucket, *, seconds=60) -> httpx.Response:
    """The redirect a download answers with: a signed link to the object in the bucket,
    kept by no cache, valid for `seconds`; fetched as the browser would."""
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{bucket.endpoint}/{bucket.name}/{bucket.prefix}/")
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == [str(seconds)]
    assert "no-store" in response["Cache-Control"]
    return httpx.get(location)


def test_a_sent_contracts_pdf_is_in_the_bucket_for_its_manager_and_client_only(
    media_bucket, contract, sent, manager_a, client_a, client_b, anon
):
    contract = sent(contract)
    key = media_bucket.key(contract.pdf.name)
    assert key in media_bucket.listing()
    stored = media_bucket.read(key)
    assert stored.startswith(b"%PDF")
    # The object is private: its address alone gives nothing.
    assert httpx.get(media_bucket.plain_url(contract.pdf.name)).status_code == 403

    download = follow_signed(client_a.get(contract.urls["pdf"]), media_bucket)
    assert download.status_code == 200
    assert download.content == stored
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == content_disposition_header(
        False, contract.download_name()
    )
    assert client_b.get(contract.urls["pdf"]).status_code == 404

    public = anon.get(reverse("documents:contract_public_pdf", args=[contract.token]))
    download = follow_signed(public, media_bucket)
    assert download.content == stored
    assert download.headers["content-disposition"].startswith("attachment;")
    assert public["Referrer-Policy"] == "same-origin"  # the link's token stays here

    # The e-mail to the client carries the same bytes, read from the bucket.
    email = services.document_send(document=contract, to=CONTACT_EMAIL, by=manager_a)
    assert bytes(email.attachments.get().content) == stored


def test_the_pdf_the_client_accepted_is_kept_in_the_bucket(
    media_bucket, contract, sent, client_a, client_b, anon, django_capture_on_commit_callbacks
):
    contract = sent(contract)
    url = reverse("documents:contract_public_accept", args=[contract.token])
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.post(url, {"full_name": "Петров Пётр Петрович", "consent": "on"})
    assert response.status_code == 302
    contract = Contract.objects.get(pk=contract.pk)
    assert media_bucket.key(contract.accepted_pdf.name) in media_bucket.listing()
    original = contract.urls["pdf"] + "?original=1"
    download = follow_signed(client_a.get(original), media_bucket)
    assert download.content == media_bucket.read(media_bucket.key(contract.accepted_pdf.name))
    assert client_b.get(original).status_code == 404


def test_the_clients_upload_lands_in_the_bucket_and_the_manager_downloads_it(
    media_bucket, questionnaire, answers, fields, anon, client_a, client_b
):
    content = b"%PDF-1.7 brief"
    upload = SimpleUploadedFile("ТЗ на сайт.pdf", content, content_type="application/pdf")
    response = anon.post(
        reverse("documents:questionnaire_public", args=[questionnaire.token]),
        {**answers, fields["file"]: upload, "action": "submit"},
    )
    assert response.status_code == 302
    question = questionnaire.questions.get(kind=QuestionKind.FILE)
    key = media_bucket.key(question.answer_file.name)
    assert key.startswith("crm/questionnaires/") and key in media_bucket.listing()
    assert httpx.get(media_bucket.plain_url(question.answer_file.name)).status_code == 403

    url = reverse(
        "documents:questionnaire_file", args=[questionnaire.deal.pk, questionnaire.pk, question.pk]
    )
    download = follow_signed(client_a.get(url), media_bucket)
    assert download.content == content
    assert download.headers["content-disposition"] == content_disposition_header(
        True, "ТЗ на сайт.pdf"
    )
    assert client_b.get(url).status_code == 404
    public = reverse("documents:questionnaire_public_file", args=[questionnaire.token, question.pk])
    assert follow_signed(anon.get(public), media_bucket).content == content


def test_the_logo_and_an_editor_picture_from_the_bucket_show_on_pages_and_in_the_pdf(
    media_bucket, real_seller, proposal, sent, client_head, client_b, anon, tmp_path
):
    assert media_bucket.key(real_seller.logo.name) in media_bucket.listing()
    image = png_bytes((0, 90, 0))
    response = client_head.post(
        reverse("documents:template_image_upload"),
        {"image": SimpleUploadedFile("plan.png", image, content_type="image/png")},
    )
    url = response.json()["url"]
    # The editor keeps the project's address, never a link to the bucket.
    assert url.startswith("/media/documents/images/")
    name = url.removeprefix("/media/")
    assert media_bucket.read(media_bucket.key(name)) == image

    # The seller's page shows the logo by the project's address, not the bucket's.
    seller_page = client_head.get(reverse("clients:seller")).content.decode()
    assert real_seller.logo.url.startswith("/media/seller/")
    assert f'src="{real_seller.logo.url}"' in seller_page

    # Pictures inside pages are streamed by the project (the CSP allows no other origin):
    # the logo for everyone signed in, a template's picture by this address for the head.
    for viewer, picture, body in [
        (client_head, url, image),
        (client_b, real_seller.logo.url, png_bytes()),
    ]:
        shown = viewer.get(picture)
        assert shown.status_code == 200, picture
        assert shown["Content-Type"] == "image/png"
        assert shown.getvalue() == body
    assert client_b.get(url).status_code == 404

    services.document_save_body(
        document=proposal, body=f'<p>План:</p><p><img src="{url}" alt=""></p>', by=None
    )
    proposal = sent(Proposal.objects.get(pk=proposal.pk))
    assert proposal.pdf_media() == [real_seller.logo.name, name]
    data = media_bucket.read(media_bucket.key(proposal.pdf.name))
    assert pdf_image_count(data) == 2  # the logo and the plan

    # Staff see it in the document through the document's own address.
    staff_src = reverse("documents:proposal_media", args=[proposal.deal_id, proposal.pk, name])
    assert f'src="{staff_src}"' in client_head.get(proposal.get_absolute_url()).content.decode()
    assert client_head.get(staff_src).getvalue() == image
    assert client_b.get(staff_src).status_code == 404

    page = anon.get(proposal.public_path()).content.decode()
    for media_name, body in [(real_seller.logo.name, png_bytes()), (name, image)]:
        src = reverse("documents:proposal_public_media", args=[proposal.token, media_name])
        assert f'src="{src}"' in page
        assert anon.get(src).getvalue() == body
