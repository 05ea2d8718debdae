"""Editing templates in the app: the head of sales only; unknown tags refused on save."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from documents.models import DocumentTemplate

BODY = "<h1>КП № {{ document.number }}</h1><p>Для {{ client.name }}, ИНН {{ client.inn }}</p>"


def form_data(**extra):
    return {"name": "КП для сайтов", "kind": "proposal", "body": BODY, "active": "on", **extra}


@pytest.fixture
def template(db):
    return DocumentTemplate.objects.create(name="Мой шаблон", kind="contract", body=BODY)


def staff_urls(pk):
    return [
        ("get", reverse("documents:template_list")),
        ("get", reverse("documents:template_create")),
        ("post", reverse("documents:template_create")),
        ("get", reverse("documents:template_edit", args=[pk])),
        ("post", reverse("documents:template_edit", args=[pk])),
        ("get", reverse("documents:template_preview", args=[pk])),
        ("post", reverse("documents:template_preview_text")),
        ("post", reverse("documents:template_image_upload")),
    ]


def test_a_manager_is_told_templates_are_the_heads_on_every_template_url(client_a, template):
    for method, url in staff_urls(template.pk):
        response = getattr(client_a, method)(url, form_data())
        assert response.status_code == 403, url
        assert "Это может только руководитель отдела продаж." in response.text, url
    template.refresh_from_db()
    assert template.name == "Мой шаблон"


def test_an_anonymous_visitor_is_sent_to_login(anon, template):
    for method, url in staff_urls(template.pk):
        response = getattr(anon, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_the_menu_shows_templates_to_the_head_only(client_head, client_a):
    url = reverse("documents:template_list")
    assert f'href="{url}"' in client_head.get(reverse("deals:list")).text
    assert f'href="{url}"' not in client_a.get(reverse("deals:list")).text


def test_the_head_sees_the_shipped_templates_in_the_list(client_head):
    page = client_head.get(reverse("documents:template_list")).text
    for name in ["Коммерческое предложение", "Договор оказания услуг", "Договор поставки"]:
        assert name in page


def test_the_list_costs_the_same_queries_for_2_and_50_templates(client_head):
    DocumentTemplate.objects.all().delete()
    url = reverse("documents:template_list")

    def make(n):
        DocumentTemplate.objects.bulk_create(
            DocumentTemplate(name=f"Шаблон {i}", kind="proposal", body=BODY) for i in range(n)
        )

    make(2)
    with CaptureQueriesContext(connection) as two:
        client_head.get(url)
    make(48)
    with CaptureQueriesContext(connection) as fifty:
        page = client_head.get(url).text
    assert page.count("Шаблон ") >= 50
    assert len(fifty) == len(two) <= 5


def test_the_editor_page_has_the_editor_the_tags_and_no_inline_script(client_head, template):
    page = client_head.get(reverse("documents:template_edit", args=[template.pk])).text
    assert "data-template-editor=" in page
    assert '<script src="/static/js/template_editor.js" type="module">' in page
    assert 'data-insert-tag="client.inn"' in page
    assert 'data-insert-tag="calculation.total_words"' in page
    for group in ["Сделка", "Клиент", "Продавец", "Документ", "Расчёт"]:
        assert f"<summary>{group} " in page
    # The example value beside a tag, from the made-up client.
    assert "7707083893" in page
    # The Content-Security-Policy allows no inline script: every <script> has a src.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "importmap" not in page


def test_the_head_creates_a_template_and_its_body_is_cleaned(client_head):
    data = form_data(body=BODY + '<p onclick="steal()">Итого<script>alert(1)</script></p>')
    response = client_head.post(reverse("documents:template_create"), data)
    assert response.status_code == 302
    template = DocumentTemplate.objects.get(name="КП для сайтов")
    assert template.body == BODY + "<p>Итого</p>"
    page = client_head.get(response["Location"]).text
    assert "Шаблон «КП для сайтов» создан." in page


def test_an_unknown_tag_is_refused_with_its_name_and_the_text_is_kept(client_head, template):
    body = "<p>ИНН {{ client.inm }} и {{ client.inn }} и {{ deal.nomer }}</p>"
    response = client_head.post(
        reverse("documents:template_edit", args=[template.pk]), form_data(body=body)
    )
    assert response.status_code == 400
    assert (
        "Неизвестная метка {{ client.inm }}. Возможно, имелась в виду {{ client.inn }}."
        in response.text
    )
    assert "Неизвестная метка {{ deal.nomer }}." in response.text
    assert "{{ client.inm }} и {{ client.inn }}" in response.text  # what was typed stays
    template.refresh_from_db()
    assert template.body == BODY and template.name == "Мой шаблон"


def test_a_tag_split_by_formatting_gets_its_own_message(client_head):
    body = "<p>{{ <strong>client</strong>.inn }}</p>"
    response = client_head.post(reverse("documents:template_create"), form_data(body=body))
    assert response.status_code == 400
    assert "Метка {{ client.inn }} разбита оформлением" in response.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<p>{{ deal.manager.password }}</p>", "Неизвестная метка {{ deal.manager.password }}."),
        ("<p>{{ ''.__class__ }}</p>", "Неизвестная метка {{ &#x27;&#x27;.__class__ }}."),
        ("<p>{% load static %}</p>", "Конструкция {% load static %} не поддерживается"),
        ("<p>{% debug %}</p>", "Конструкция {% debug %} не поддерживается"),
    ],
)
def test_template_injection_is_refused_on_save(client_head, body, message):
    response = client_head.post(reverse("documents:template_create"), form_data(body=body))
    assert response.status_code == 400
    assert message in response.text
    assert not DocumentTemplate.objects.filter(name="КП для сайтов").exists()


def test_a_body_that_is_only_a_script_is_refused_as_empty(client_head):
    body = "<script>alert(1)</script>"
    response = client_head.post(reverse("documents:template_create"), form_data(body=body))
    assert response.status_code == 400
    assert "Напишите текст шаблона." in response.text


def test_required_fields_have_russian_messages(client_head):
    response = client_head.post(reverse("documents:template_create"), {"body": ""})
    assert response.status_code == 400
    for message in ["Назовите шаблон.", "Выберите вид документа.", "Напишите текст шаблона."]:
        assert message in response.text


def test_a_new_default_replaces_the_old_one_of_its_kind(client_head):
    old = DocumentTemplate.objects.get(kind="proposal", is_default=True)
    response = client_head.post(reverse("documents:template_create"), form_data(is_default="on"))
    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.is_default
    assert DocumentTemplate.objects.get(kind="proposal", is_default=True).name == "КП для сайтов"
    # The default of the other kind is untouched.
    assert DocumentTemplate.objects.filter(kind="contract", is_default=True).count() == 1


@pytest.mark.parametrize(
    ("kind", "shown", "missing"),
    [
        ("legal", "ООО «Ромашка», ИНН 7707083893", None),
        ("entrepreneur", "ИП Соколов Алексей Петрович, ИНН 500100732259", None),
        ("person", "Морозова Елена Викторовна, ИНН ", "Клиент: ИНН (<code>client.inn</code>)"),
    ],
)
def test_the_preview_fills_example_values_for_each_legal_form(
    client_head, template, kind, shown, missing
):
    url = reverse("documents:template_preview", args=[template.pk])
    page = client_head.get(url, {"client_kind": kind}).text
    assert "КП № 2026-0015" in page
    assert f"Для {shown}" in page
    assert "{{" not in page.split('class="doc-body"')[1]
    if missing:
        assert missing in page
    else:
        assert "пустыми останутся" not in page


def test_the_preview_of_unsaved_text_names_unknown_tags(client_head):
    response = client_head.post(
        reverse("documents:template_preview_text"),
        {"body": "<p>{{ client.inn }} {{ client.inm }}</p><script>x</script>"},
    )
    assert response.status_code == 200
    assert "<p>7707083893 {{ client.inm }}</p>" in response.text
    assert "Неизвестные метки" in response.text and "client.inm" in response.text
    assert "<script>x</script>" not in response.text


def png_bytes(size=(40, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, name, content, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("documents:template_image_upload"),
        {"image": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def test_the_head_uploads_an_image_into_the_projects_media(client_head, settings):
    response = upload(client_head, "logo.png", png_bytes())
    assert response.status_code == 200
    url = response.json()["url"]
    assert re.fullmatch(r"/media/documents/images/[0-9a-f]{32}\.png", url)
    stored = settings.MEDIA_ROOT / url.removeprefix("/media/")
    assert stored.read_bytes() == png_bytes()
    # The editor puts the address into the text; the cleaner keeps it.
    from documents.sanitize import clean_html

    assert f'<img src="{url}">' in clean_html(f'<p><img src="{url}"></p>')


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.png", b"not an image at all", "Это не изображение"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "Это не изображение",
        ),
    ],
)
def test_an_upload_that_is_not_a_raster_image_is_refused(client_head, name, content, message):
    response = upload(client_head, name, content)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_an_image_over_the_size_limit_is_refused(client_head, settings):
    settings.DOCUMENT_IMAGE_MAX_MB = 0
    response = upload(client_head, "logo.png", png_bytes())
    assert response.status_code == 400
    assert response.json()["error"] == "Файл больше 0 МБ: уменьшите изображение."


def test_the_upload_endpoint_takes_only_post(client_head):
    assert client_head.get(reverse("documents:template_image_upload")).status_code == 405


# Admin


@pytest.fixture
def admin_client(client, db):
    from crm.models import User

    user = User.objects.create_superuser("root", "root@example.ru", "root", role="head")
    client.force_login(user)
    return client


def test_the_admin_edits_a_template_with_the_editor_and_the_tags(admin_client, template):
    url = reverse("admin:documents_documenttemplate_change", args=[template.pk])
    page = admin_client.get(url).text
    assert "data-template-editor=" in page
    assert 'data-insert-tag="seller.requisites"' in page
    response = admin_client.post(
        url, form_data(body="<p>{{ client.inn }}<script>1</script></p>", kind="contract")
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "<p>{{ client.inn }}</p>"


def test_the_admin_refuses_an_unknown_tag(admin_client, template):
    url = reverse("admin:documents_documenttemplate_change", args=[template.pk])
    response = admin_client.post(url, form_data(body="<p>{{ client.inm }}</p>"))
    assert response.status_code == 200
    assert "Неизвестная метка {{ client.inm }}." in response.text
    template.refresh_from_db()
    assert template.body == BODY


def test_a_tag_the_editor_linked_while_it_was_typed_is_saved_as_a_tag(client_head):
    body = (
        '<p>Клиент: {{ <a href="http://client.name" rel="noopener noreferrer">client.name</a> }}'
        ', сайт <a href="https://example.ru">example.ru</a></p>'
    )
    response = client_head.post(reverse("documents:template_create"), form_data(body=body))
    assert response.status_code == 302
    template = DocumentTemplate.objects.get(name="КП для сайтов")
    assert template.body.startswith("<p>Клиент: {{ client.name }}, сайт <a href=")


@pytest.mark.parametrize(
    "body",
    [
        '<p>{{ <a href="http://client.name">client</a>.name }}</p>',
        "<p>{{ client.<em>name</em> }}</p>",
    ],
)
def test_a_tag_really_split_by_formatting_is_still_refused_by_name(client_head, body):
    response = client_head.post(reverse("documents:template_create"), form_data(body=body))
    assert response.status_code == 400
    assert "Метка {{ client.name }} разбита оформлением" in response.text
    assert not DocumentTemplate.objects.filter(name="КП для сайтов").exists()
