"""Files on a deal: the service (limits, timeline, e-mail attachments) and the card's pages
(upload several at once, download, thumbnails, delete) with who may do what."""

import io
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from deals import services
from deals.models import DealEvent, DealFile

PDF = b"%PDF-1.4\n" + b"0" * 200


def png_bytes(size=(800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, deal, *files, ajax=True):
    headers = {"X-Requested-With": "XMLHttpRequest"} if ajax else {}
    return client.post(
        reverse("deals:file_upload", args=[deal.pk]),
        {"files": [SimpleUploadedFile(name, content) for name, content in files]},
        headers=headers,
    )


# The service


def test_it_stores_a_file_under_an_unguessable_name_and_records_the_timeline(deal_a, manager_a):
    row = services.deal_file_add(deal=deal_a, name="Договор №5.pdf", content=PDF, user=manager_a)

    assert row.name == "Договор №5.pdf"
    assert row.size == len(PDF)
    assert row.content_type == "application/pdf"
    assert row.uploaded_by == manager_a
    assert row.file.name.startswith("deals/files/")
    # A random folder of 16 bytes in base64: nobody guesses the address of another file.
    assert len(row.file.name.split("/")[-2]) >= 20
    assert default_storage.open(row.file.name).read() == PDF
    event = DealEvent.objects.get(deal=deal_a, kind="file.added")
    assert "«Договор №5.pdf»" in event.text and event.actor == manager_a
    assert event.url == reverse("deals:file_download", args=[deal_a.pk, row.pk])


def test_an_e_mail_attachment_has_no_uploader_and_says_where_it_came_from(deal_a):
    row = services.deal_file_add(
        deal=deal_a,
        name="смета.pdf",
        content=PDF,
        content_type="application/x-whatever",
        origin="Письмо от ivan@example.ru",
    )

    assert row.uploaded_by is None
    assert row.content_type == "application/pdf"
    assert row.origin == "Письмо от ivan@example.ru"
    assert "Письмо от ivan@example.ru" in DealEvent.objects.get(kind="file.added").text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "«setup.exe»: Файлы такого типа не"),
        ("смета.pdf", b"GIF89a" + b"\x00" * 100, "«смета.pdf»: Содержимое файла не похоже на PDF"),
        ("пусто.pdf", b"", "«пусто.pdf»: Файл пустой."),
        ("big.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 10), "Файл слишком большой: 1,0 МБ. Можно"),
        ("page.html", b"<html><script>alert(1)</script>", "Файлы такого типа не принимаются"),
    ],
)
def test_it_refuses_what_the_settings_do_not_allow(settings, deal_a, name, content, message):
    settings.DEAL_FILE_MAX_MB = 1

    with pytest.raises(ValidationError) as error:
        services.deal_file_add(deal=deal_a, name=name, content=content)

    assert message in error.value.messages[0]
    assert not DealFile.objects.exists()
    assert not DealEvent.objects.filter(kind="file.added").exists()


def test_a_picture_gets_a_small_thumbnail(deal_a, manager_a):
    row = services.deal_file_add(deal=deal_a, name="фото.png", content=png_bytes(), user=manager_a)

    with Image.open(default_storage.open(row.thumbnail.name)) as small:
        assert max(small.size) == 320
        assert small.format == "JPEG"


def test_deleting_removes_the_row_then_the_stored_file(
    deal_a, manager_a, django_capture_on_commit_callbacks
):
    row = services.deal_file_add(deal=deal_a, name="фото.png", content=png_bytes(), user=manager_a)
    names = [row.file.name, row.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        services.deal_file_delete(file=row, user=manager_a)

    assert not DealFile.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
    assert DealEvent.objects.get(kind="file.deleted").text == "Удалён файл «фото.png»"


# The card's pages


def test_the_owner_uploads_several_files_at_once_and_the_panel_lists_them(client_a, deal_a):
    response = upload(client_a, deal_a, ("смета.pdf", PDF), ("фото.png", png_bytes()))

    assert response.status_code == 200
    html = response.content.decode()
    assert "смета.pdf" in html and "фото.png" in html
    assert 'id="files"' in html
    assert (
        reverse("deals:file_thumbnail", args=[deal_a.pk, DealFile.objects.get(name="фото.png").pk])
        in html
    )
    assert DealFile.objects.filter(deal=deal_a).count() == 2


def test_a_bad_file_among_good_ones_is_named_in_russian_and_the_others_are_kept(client_a, deal_a):
    response = upload(client_a, deal_a, ("смета.pdf", PDF), ("вирус.exe", b"MZ\x90\x00"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "«вирус.exe»: Файлы такого типа не принимаются" in html
    assert list(DealFile.objects.values_list("name", flat=True)) == ["смета.pdf"]


def test_only_bad_files_answer_400_with_the_reason_never_500(client_a, deal_a, settings):
    settings.DEAL_FILE_MAX_MB = 1
    big = b"%PDF-" + b"0" * (2 * 1024 * 1024)

    response = upload(client_a, deal_a, ("большой.pdf", big))

    assert response.status_code == 400
    assert "«большой.pdf»: Файл слишком большой: 2,0 МБ. Можно не больше 1 МБ." in (
        response.content.decode()
    )
    assert not DealFile.objects.exists()


def test_without_scripts_the_upload_returns_to_the_card_with_messages(client_a, deal_a):
    response = upload(client_a, deal_a, ("смета.pdf", PDF), ("x.exe", b"MZ"), ajax=False)

    assert response.status_code == 302
    assert response["Location"] == deal_a.get_absolute_url() + "#files"
    page = client_a.get(response["Location"]).content.decode()
    assert "Файлов добавлено: 1." in page
    assert "«x.exe»: Файлы такого типа не принимаются" in page


def test_an_empty_post_asks_to_choose_files(client_a, deal_a):
    response = client_a.post(
        reverse("deals:file_upload", args=[deal_a.pk]),
        headers={"X-Requested-With": "XMLHttpRequest"},
    )

    assert response.status_code == 400
    assert "Выберите файлы" in response.content.decode()


def test_download_offers_the_russian_name_encoded_and_forbids_sniffing(client_a, deal_a, manager_a):
    row = services.deal_file_add(deal=deal_a, name="Счёт «весна».pdf", content=PDF, user=manager_a)

    response = client_a.get(reverse("deals:file_download", args=[deal_a.pk, row.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('Счёт «весна».pdf')}" in disposition
    assert b"".join(response.streaming_content) == PDF


def test_the_thumbnail_is_served_through_the_deal_s_access_check(client_a, deal_a, manager_a):
    row = services.deal_file_add(deal=deal_a, name="фото.png", content=png_bytes(), user=manager_a)

    response = client_a.get(reverse("deals:file_thumbnail", args=[deal_a.pk, row.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    # The stored files are not reachable by their storage address for a manager.
    assert client_a.get(default_storage.url(row.file.name)).status_code == 404
    assert client_a.get(default_storage.url(row.thumbnail.name)).status_code == 404


def test_a_file_of_another_deal_is_404_even_with_a_visible_deal_in_the_address(
    client_a, deal_a, make_deal, manager_b
):
    foreign = make_deal(manager_b, title="Чужая")
    row = services.deal_file_add(deal=foreign, name="a.pdf", content=PDF, user=manager_b)

    assert client_a.get(reverse("deals:file_download", args=[deal_a.pk, row.pk])).status_code == 404
    assert (
        client_a.get(reverse("deals:file_download", args=[foreign.pk, row.pk])).status_code == 404
    )
    assert client_a.post(reverse("deals:file_delete", args=[deal_a.pk, row.pk])).status_code == 404
    assert DealFile.objects.filter(pk=row.pk).exists()


def test_a_task_holder_downloads_but_neither_uploads_nor_deletes(
    client_b, deal_a, manager_a, manager_b, future
):
    services.task_create(
        deal=deal_a,
        author=manager_a,
        assignee=manager_b,
        kind="call",
        text="Позвонить",
        due_at=future,
    )
    row = services.deal_file_add(deal=deal_a, name="a.pdf", content=PDF, user=manager_a)

    assert client_b.get(reverse("deals:file_download", args=[deal_a.pk, row.pk])).status_code == 200
    card = client_b.get(deal_a.get_absolute_url()).content.decode()
    assert "a.pdf" in card and "Перетащите файлы" not in card
    assert upload(client_b, deal_a, ("b.pdf", PDF)).status_code == 403
    response = client_b.post(reverse("deals:file_delete", args=[deal_a.pk, row.pk]))
    assert response.status_code == 403
    assert DealFile.objects.count() == 1


def test_the_uploader_and_the_head_delete_the_owner_not_the_head_s_file(
    client_a, client_head, deal_a, manager_a, head
):
    own = services.deal_file_add(deal=deal_a, name="own.pdf", content=PDF, user=manager_a)
    heads = services.deal_file_add(deal=deal_a, name="head.pdf", content=PDF, user=head)
    mailed = services.deal_file_add(deal=deal_a, name="mail.pdf", content=PDF, origin="Письмо")

    assert (
        client_a.post(reverse("deals:file_delete", args=[deal_a.pk, heads.pk])).status_code == 403
    )
    response = client_a.post(
        reverse("deals:file_delete", args=[deal_a.pk, own.pk]),
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 200
    assert "own.pdf" not in response.content.decode() and "head.pdf" in response.content.decode()
    assert (
        client_a.post(reverse("deals:file_delete", args=[deal_a.pk, mailed.pk])).status_code == 302
    )
    assert (
        client_head.post(reverse("deals:file_delete", args=[deal_a.pk, heads.pk])).status_code
        == 302
    )
    assert not DealFile.objects.exists()
    assert DealEvent.objects.filter(kind="file.deleted").count() == 3


def test_the_card_lists_files_in_a_flat_number_of_queries(
    client_a, deal_a, manager_a, django_assert_max_num_queries
):
    services.deal_file_add(deal=deal_a, name="a.pdf", content=PDF, user=manager_a)
    client_a.get(deal_a.get_absolute_url())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client_a.get(deal_a.get_absolute_url()).status_code == 200
    for n in range(10):
        services.deal_file_add(
            deal=deal_a, name=f"{n}.png", content=png_bytes((20, 20)), user=manager_a
        )

    with django_assert_max_num_queries(len(one)):
        response = client_a.get(deal_a.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count("data-file=") == 11
