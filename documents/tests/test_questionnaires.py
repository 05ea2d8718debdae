from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from crm.models import OutgoingEmail
from crm.tasks import send_email
from deals import services as deal_services
from deals.models import DealEvent
from documents import services
from documents.models import Questionnaire, QuestionnaireTemplate, TemplateQuestion

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def public(questionnaire, token=None):
    return reverse("documents:questionnaire_public", args=[token or questionnaire.token])


def card(deal):
    return reverse("deals:detail", args=[deal.pk])


def events(deal, kind):
    return list(DealEvent.objects.filter(deal=deal, kind=kind).values_list("text", flat=True))


# The client's side


def test_the_client_fills_it_in_through_the_link_end_to_end(
    anon, client_a, questionnaire, answers, fields, settings, django_capture_on_commit_callbacks
):
    settings.COMPANY_NAME = "Студия «Пиксель»"
    deal = questionnaire.deal
    with django_capture_on_commit_callbacks(execute=True):
        page = anon.get(public(questionnaire))
    assert page.status_code == 200
    assert "Студия «Пиксель»" in page.text
    assert "Бриф на сайт" in page.text
    assert "Расскажите о проекте.<br>Это займёт 10 минут." in page.text
    assert "Подсказка к вопросу" in page.text
    assert 'name="viewport"' in page.text

    upload = SimpleUploadedFile("ТЗ на сайт.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.post(
            public(questionnaire), {**answers, fields["file"]: upload, "action": "submit"}
        )
    assert response.status_code == 302
    done = anon.get(public(questionnaire))
    assert "Спасибо! Ответы отправлены" in done.text
    assert "Анкета заполнена" in done.text
    shown_values = ["ООО «Улыбка»", "1\xa0500,5", "5\xa0марта\xa02027\xa0г.", "Магазин"]
    for shown in [*shown_values, "Услуги, Контакты"]:
        assert shown in done.text
    assert "ТЗ на сайт.pdf" in done.text
    assert "<textarea" not in done.text and 'type="submit"' not in done.text

    # The manager: one timeline event and one e-mail with the answers and a link to the deal.
    assert events(deal, "questionnaire.submitted") == ["Клиент заполнил анкету «Бриф на сайт»"]
    notification = OutgoingEmail.objects.get(template="questionnaire_submitted")
    assert notification.recipient == "manager_a@example.ru"
    assert notification.status == OutgoingEmail.Status.SENT
    sent = [m for m in mail.outbox if "заполнил анкету" in m.subject]
    assert len(sent) == 1
    assert sent[0].subject == f"Клиент заполнил анкету «Бриф на сайт» — сделка №{deal.pk}"
    assert "ООО «Улыбка»" in sent[0].body
    assert "Запись к врачу онлайн.\nЦены на услуги." in sent[0].body
    deal_link = f"http://127.0.0.1:8000/deals/{deal.pk}/#questionnaire-{questionnaire.pk}"
    assert deal_link in sent[0].body

    # The send task running again (a redelivered message) sends nothing more.
    send_email.delay(notification.pk)
    send_email.apply(args=[notification.pk])
    assert len([m for m in mail.outbox if "заполнил анкету" in m.subject]) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1

    # A second submit changes nothing and notifies nobody.
    with django_capture_on_commit_callbacks(execute=True):
        again = anon.post(
            public(questionnaire), {**answers, fields["short"]: "Другое", "action": "submit"}
        )
    assert again.status_code == 302
    assert OutgoingEmail.objects.filter(template="questionnaire_submitted").count() == 1
    assert "Другое" not in anon.get(public(questionnaire)).text

    # The answers are on the deal card.
    response = client_a.get(card(deal))
    assert "Заполнена" in response.text
    assert "ООО «Улыбка»" in response.text
    assert "Ответы клиента" in response.text
    assert "ТЗ на сайт.pdf" in response.text


def test_the_first_client_open_is_announced_once(
    anon, questionnaire, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anon.get(public(questionnaire))
        anon.get(public(questionnaire))
    questionnaire.refresh_from_db()
    assert questionnaire.open_count == 2
    assert questionnaire.first_opened_at is not None
    assert questionnaire.last_opened_at >= questionnaire.first_opened_at
    assert events(questionnaire.deal, "questionnaire.opened") == [
        "Клиент открыл анкету «Бриф на сайт»"
    ]
    opened = [m for m in mail.outbox if m.subject.startswith("Клиент открыл")]
    assert len(opened) == 1
    assert opened[0].to == ["manager_a@example.ru"]
    assert opened[0].subject == (
        f"Клиент открыл анкету «Бриф на сайт» — сделка №{questionnaire.deal.pk}"
    )


def test_a_staff_preview_is_not_counted_as_the_client_opening_it(client_a, questionnaire):
    response = client_a.get(public(questionnaire))
    assert response.status_code == 200
    assert "это предпросмотр" in response.text
    questionnaire.refresh_from_db()
    assert questionnaire.open_count == 0
    assert questionnaire.first_opened_at is None
    assert not events(questionnaire.deal, "questionnaire.opened")
    assert not OutgoingEmail.objects.exists()


def test_the_public_page_sends_privacy_headers(anon, questionnaire):
    response = anon.get(public(questionnaire))
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in response.text


def test_client_links_are_rate_limited_per_ip(anon, questionnaire, settings):
    settings.PUBLIC_RATE_PER_MINUTE = 5
    codes = [anon.get(public(questionnaire)).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_revoked_expired_and_wrong_links_all_answer_the_same_404(anon, questionnaire):
    wrong = anon.get(public(questionnaire, token="x" * 43))
    assert wrong.status_code == 404
    assert "Ссылка неверна или больше не действует." in wrong.text

    questionnaire.expires_at = timezone.now() - timedelta(minutes=1)
    questionnaire.save()
    expired = anon.get(public(questionnaire))
    assert expired.status_code == 404
    assert expired.content == wrong.content

    questionnaire.expires_at = timezone.now() + timedelta(days=1)
    questionnaire.save()
    assert anon.get(public(questionnaire)).status_code == 200

    questionnaire.revoke()
    revoked = anon.get(public(questionnaire))
    assert revoked.status_code == 404
    assert revoked.content == wrong.content
    # The staff who previews it gets the same answer: the link is dead for everyone.
    assert anon.post(public(questionnaire), {"action": "draft"}).status_code == 404
    questionnaire.refresh_from_db()
    assert questionnaire.open_count == 1


@pytest.mark.parametrize("token", ["", "short", "a" * 200, "../../etc/passwd", "токен" * 10])
def test_malformed_tokens_are_plain_404s(anon, questionnaire, token):
    response = anon.get(f"/p/q/{token}/")
    assert response.status_code == 404


def test_a_token_is_matched_whole_not_by_prefix(anon, questionnaire):
    token = questionnaire.token
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert anon.get(public(questionnaire, token=altered)).status_code == 404
    assert anon.get(public(questionnaire, token=token[:-2])).status_code == 404
    assert anon.get(public(questionnaire, token=token.upper())).status_code == 404


def test_a_draft_is_kept_and_nothing_is_required_for_it(anon, questionnaire, fields):
    response = anon.post(
        public(questionnaire),
        {
            fields["short"]: "ООО «Черновик»",
            fields["multi"]: ["Блог"],
            fields["number"]: "1 500,5",
            fields["date"]: "05.03.2027",
            "action": "draft",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Черновик сохранён" in response.text
    page = anon.get(public(questionnaire))
    assert 'value="ООО «Черновик»"' in _question_block(page.text, questionnaire, "short")
    multi = _question_block(page.text, questionnaire, "multi")
    assert _checked(multi, "Блог") and not _checked(multi, "Услуги")
    assert 'value="1\xa0500,5"' in _question_block(page.text, questionnaire, "number")
    assert 'value="2027-03-05"' in _question_block(page.text, questionnaire, "date")
    questionnaire.refresh_from_db()
    assert questionnaire.draft_saved_at is not None
    assert questionnaire.submitted_at is None
    assert not OutgoingEmail.objects.filter(template="questionnaire_submitted").exists()


def test_a_typing_error_is_shown_next_to_the_field_and_nothing_is_lost(
    anon, questionnaire, answers, fields
):
    bad = {**answers, fields["number"]: "много", fields["date"]: "31.02.2027", "action": "submit"}
    response = anon.post(public(questionnaire), bad)
    assert response.status_code == 400
    number_block = _question_block(response.text, questionnaire, "number")
    assert "Введите число, например 1500 или 12,5." in number_block
    assert 'value="много"' in number_block
    date_block = _question_block(response.text, questionnaire, "date")
    assert "Введите дату, например 05.03.2026." in date_block
    assert "Проверьте ответы, отмеченные красным" in response.text
    assert "Запись к врачу онлайн." in response.text  # typed text is still in the form
    questionnaire.refresh_from_db()
    assert questionnaire.submitted_at is None
    # What was valid is already kept in the draft.
    short = questionnaire.questions.get(kind="short")
    assert short.answer == "ООО «Улыбка»"
    assert questionnaire.questions.get(kind="number").answer is None
    assert not OutgoingEmail.objects.filter(template="questionnaire_submitted").exists()


def test_submitting_needs_every_required_answer(anon, questionnaire, answers, fields):
    incomplete = {k: v for k, v in answers.items() if k not in (fields["long"], fields["yesno"])}
    response = anon.post(public(questionnaire), {**incomplete, "action": "submit"})
    assert response.status_code == 400
    assert "Ответьте на этот вопрос." in _question_block(response.text, questionnaire, "long")
    assert "Ответьте на этот вопрос." in _question_block(response.text, questionnaire, "yesno")
    assert "Ответьте на этот вопрос." not in _question_block(response.text, questionnaire, "number")
    questionnaire.refresh_from_db()
    assert questionnaire.submitted_at is None


def test_a_choice_outside_the_options_is_refused(anon, questionnaire, answers, fields):
    response = anon.post(
        public(questionnaire), {**answers, fields["choice"]: "Портал", "action": "submit"}
    )
    assert response.status_code == 400
    assert "Выберите один из вариантов." in _question_block(response.text, questionnaire, "choice")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "Файлы такого типа не принимаются."),
        ("смета.pdf", b"GIF89a" + b"\x00" * 100, "Содержимое файла не похоже на PDF"),
        ("фото.png", b"\xff\xd8\xff\xe0" + b"\x00" * 100, "Содержимое файла не похоже на PNG"),
        ("пусто.pdf", b"", "Файл пустой."),
        ("большой.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 10), "Файл слишком большой: 1,0 МБ."),
    ],
)
def test_a_bad_upload_is_refused_with_a_message(
    anon, questionnaire, answers, fields, settings, name, content, message
):
    settings.QUESTIONNAIRE_UPLOAD_MAX_MB = 1
    upload = SimpleUploadedFile(name, content)
    response = anon.post(
        public(questionnaire), {**answers, fields["file"]: upload, "action": "submit"}
    )
    assert response.status_code == 400
    assert message in _question_block(response.text, questionnaire, "file")
    question = questionnaire.questions.get(kind="file")
    assert not question.answer_file
    questionnaire.refresh_from_db()
    assert questionnaire.submitted_at is None


def test_a_good_upload_survives_a_failed_submit_and_is_downloadable(
    anon, client_a, client_b, questionnaire, answers, fields
):
    upload = SimpleUploadedFile("../../Логотип.PNG", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    response = anon.post(
        public(questionnaire),
        {**answers, fields["short"]: "", fields["file"]: upload, "action": "submit"},
    )
    assert response.status_code == 400
    assert "Загружен файл «" in response.text and "Логотип.png" in response.text
    question = questionnaire.questions.get(kind="file")
    assert question.answer_file_name == "Логотип.png"
    assert ".." not in question.answer_file.name

    url = reverse(
        "documents:questionnaire_file",
        args=[questionnaire.deal.pk, questionnaire.pk, question.pk],
    )
    download = client_a.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    assert "attachment" in download["Content-Disposition"]
    assert client_b.get(url).status_code == 404

    own = anon.get(
        reverse("documents:questionnaire_public_file", args=[questionnaire.token, question.pk])
    )
    assert own.status_code == 200
    assert own["Referrer-Policy"] == "same-origin"
    other = anon.get(reverse("documents:questionnaire_public_file", args=["y" * 43, question.pk]))
    assert other.status_code == 404


# The manager's side


def test_the_manager_creates_a_questionnaire_and_gets_its_link(client_a, deal_a, brief_template):
    response = client_a.post(
        reverse("documents:questionnaire_create", args=[deal_a.pk]),
        {"template": brief_template.pk},
        follow=True,
    )
    assert response.status_code == 200
    questionnaire = Questionnaire.objects.get(deal=deal_a)
    assert f'data-copy="{questionnaire.public_url()}"' in response.text
    assert "Копировать ссылку" in response.text
    assert "Ожидает клиента" in response.text
    assert "Анкета «Бриф на сайт» создана" in response.text
    assert events(deal_a, "questionnaire.created") == ["Создана анкета «Бриф на сайт»"]
    assert questionnaire.questions.count() == 8
    assert len(questionnaire.token) >= 43


def test_an_inactive_template_cannot_be_used(client_a, deal_a, brief_template):
    brief_template.active = False
    brief_template.save()
    response = client_a.post(
        reverse("documents:questionnaire_create", args=[deal_a.pk]),
        {"template": brief_template.pk},
        follow=True,
    )
    assert "Такого шаблона нет" in response.text
    assert not Questionnaire.objects.exists()


def test_editing_the_template_later_does_not_change_a_sent_questionnaire(
    questionnaire, brief_template
):
    brief_template.questions.filter(kind="short").update(text="Новый вопрос")
    TemplateQuestion.objects.create(template=brief_template, text="Ещё вопрос")
    brief_template.title = "Другое название"
    brief_template.save()
    questionnaire.refresh_from_db()
    assert questionnaire.title == "Бриф на сайт"
    texts = list(questionnaire.questions.values_list("text", flat=True))
    assert texts[0] == "Название компании"
    assert "Ещё вопрос" not in texts


@pytest.fixture
def contact_email(deal_a, manager_a):
    contact = Contact(name="Сергей Иванов")
    deal_services.contact_save(
        contact=contact, phones=[], emails=["Sergey@Client.ru"], deal=deal_a, by=manager_a
    )
    return "sergey@client.ru"


def test_the_manager_sends_the_link_to_a_contact_in_one_click(
    client_a, questionnaire, contact_email, django_capture_on_commit_callbacks
):
    card_page = client_a.get(card(questionnaire.deal))
    assert f'<option value="{contact_email}">' in card_page.text
    url = reverse("documents:questionnaire_send", args=[questionnaire.deal.pk, questionnaire.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(url, {"to": contact_email, "nonce": "abc123"}, follow=True)
    assert f"Ссылка на анкету отправлена на {contact_email}." in response.text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contact_email]
    assert message.reply_to == ["manager_a@example.ru"]  # the client's answer reaches her
    assert questionnaire.public_url() in message.body
    assert "ссылку на анкету «Бриф на сайт»" in message.body
    assert events(questionnaire.deal, "questionnaire.sent") == [
        f"Ссылка на анкету «Бриф на сайт» отправлена на {contact_email}"
    ]
    # A double click (the same form) sends nothing more.
    response = client_a.post(url, {"to": contact_email, "nonce": "abc123"}, follow=True)
    assert "Эта ссылка уже отправлена на этот адрес." in response.text
    assert OutgoingEmail.objects.filter(recipient=contact_email).count() == 1


def test_the_link_goes_only_to_the_deals_contacts(client_a, questionnaire, contact_email):
    url = reverse("documents:questionnaire_send", args=[questionnaire.deal.pk, questionnaire.pk])
    response = client_a.post(url, {"to": "stranger@evil.ru", "nonce": "1"}, follow=True)
    assert "Выберите адрес одного из контактных лиц сделки." in response.text
    assert not OutgoingEmail.objects.exists()


def test_a_revoked_link_cannot_be_sent(client_a, questionnaire, contact_email):
    questionnaire.revoke()
    url = reverse("documents:questionnaire_send", args=[questionnaire.deal.pk, questionnaire.pk])
    response = client_a.post(url, {"to": contact_email, "nonce": "1"}, follow=True)
    assert "Ссылка не действует" in response.text
    assert not OutgoingEmail.objects.exists()


def test_the_manager_revokes_the_link_and_issues_a_new_one(client_a, anon, questionnaire):
    deal = questionnaire.deal
    old = public(questionnaire)
    response = client_a.post(
        reverse("documents:questionnaire_revoke", args=[deal.pk, questionnaire.pk]),
        follow=True,
    )
    assert "Ссылка отозвана" in response.text
    assert anon.get(old).status_code == 404
    assert events(deal, "questionnaire.revoked") == ["Ссылка на анкету «Бриф на сайт» отозвана"]

    response = client_a.post(
        reverse("documents:questionnaire_new_link", args=[deal.pk, questionnaire.pk]),
        follow=True,
    )
    assert "Готова новая ссылка" in response.text
    questionnaire.refresh_from_db()
    assert public(questionnaire) != old
    assert anon.get(old).status_code == 404
    assert anon.get(public(questionnaire)).status_code == 200
    assert f'data-copy="{questionnaire.public_url()}"' in response.text


STAFF_URLS = [
    ("post", "documents:questionnaire_create", lambda q: [q.deal.pk]),
    ("post", "documents:questionnaire_send", lambda q: [q.deal.pk, q.pk]),
    ("post", "documents:questionnaire_revoke", lambda q: [q.deal.pk, q.pk]),
    ("post", "documents:questionnaire_new_link", lambda q: [q.deal.pk, q.pk]),
    ("get", "documents:questionnaire_file", lambda q: [q.deal.pk, q.pk, _file_pk(q)]),
]


def _file_pk(questionnaire):
    return questionnaire.questions.get(kind="file").pk


@pytest.mark.parametrize("method, name, args", STAFF_URLS, ids=[u[1] for u in STAFF_URLS])
def test_another_manager_gets_404_on_every_staff_url(
    client_b, questionnaire, brief_template, contact_email, method, name, args
):
    question = questionnaire.questions.get(kind="file")
    question.answer_file = SimpleUploadedFile("a.pdf", PDF)
    question.save()
    token = questionnaire.token
    url = reverse(name, args=args(questionnaire))
    data = {"template": brief_template.pk, "to": contact_email, "nonce": "1"}
    response = client_b.post(url, data) if method == "post" else client_b.get(url)
    assert response.status_code == 404
    questionnaire.refresh_from_db()
    assert questionnaire.token == token and questionnaire.revoked_at is None
    assert Questionnaire.objects.count() == 1
    assert not OutgoingEmail.objects.exists()


def test_a_questionnaire_of_another_deal_is_404_under_this_deal(
    client_a, questionnaire, make_deal, manager_a
):
    other_deal = make_deal(manager_a, title="Другая сделка")
    url = reverse("documents:questionnaire_revoke", args=[other_deal.pk, questionnaire.pk])
    assert client_a.post(url).status_code == 404


def test_the_head_of_sales_manages_any_deals_questionnaire(client_head, questionnaire):
    response = client_head.post(
        reverse("documents:questionnaire_revoke", args=[questionnaire.deal.pk, questionnaire.pk])
    )
    assert response.status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.revoked_at is not None


def test_the_deal_card_runs_the_same_queries_with_2_and_50_questionnaires(
    client_a, deal_a, brief_template, manager_a, contact_email
):
    def make(n):
        for _ in range(n):
            q = services.questionnaire_create(deal=deal_a, template=brief_template, by=manager_a)
            questions = list(q.questions.all())
            services.questionnaire_submit(
                questionnaire=q,
                questions=questions,
                answers={x.pk: "ответ" for x in questions if x.kind in ("short", "long")},
                files={},
            )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client_a.get(card(deal_a))
        assert response.status_code == 200
        return len(ctx), response

    make(2)
    with_two, response = count()
    assert response.text.count("Ответы клиента") == 2
    make(48)
    with_fifty, response = count()
    assert response.text.count("Ответы клиента") == 50
    assert with_fifty == with_two


def test_the_public_page_runs_a_few_queries_whatever_the_questions(
    anon, questionnaire, django_assert_max_num_queries
):
    anon.get(public(questionnaire))  # the first open writes the timeline and the e-mail
    with django_assert_max_num_queries(8):
        response = anon.get(public(questionnaire))
    assert response.status_code == 200
    assert questionnaire.title in response.text


# The admin


def test_the_admin_builds_a_template_with_ordered_questions(admin_client):
    url = reverse("admin:documents_questionnairetemplate_add")
    prefix = "questions"
    data = {
        "title": "Бриф на логотип",
        "intro": "",
        "active": "on",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-order": "20",
        f"{prefix}-0-text": "Цвета",
        f"{prefix}-0-kind": "multi",
        f"{prefix}-0-choices": "Синий\nКрасный\n\nСиний",
        f"{prefix}-1-order": "10",
        f"{prefix}-1-text": "Название",
        f"{prefix}-1-kind": "short",
        f"{prefix}-1-required": "on",
        f"{prefix}-1-choices": "лишнее",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.text
    template = QuestionnaireTemplate.objects.get(title="Бриф на логотип")
    questions = list(template.questions.all())
    assert [q.text for q in questions] == ["Название", "Цвета"]
    assert questions[1].choices == ["Синий", "Красный"]
    assert questions[0].choices == []

    data[f"{prefix}-0-choices"] = "Синий"
    data["title"] = "Ещё бриф"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Для вопроса с выбором нужны хотя бы два варианта." in response.text


def test_demo_data_has_the_site_brief_and_stays_the_same_on_a_second_run(db, stages):
    import io

    from crm import demo as crm_demo
    from deals import demo as deals_demo
    from documents import demo

    out = io.StringIO()
    for _ in range(2):
        crm_demo.load(out)
        deals_demo.load(out)
        demo.load(out)
    template = QuestionnaireTemplate.objects.get(title="Бриф на разработку сайта")
    assert template.questions.count() == 11
    kinds = set(template.questions.values_list("kind", flat=True))
    assert kinds == {"short", "long", "number", "date", "choice", "multi", "yesno", "file"}
    submitted = Questionnaire.objects.get()
    assert submitted.is_submitted
    assert submitted.questions.get(order=1).answer.startswith("ООО «Улыбка»")


def _question_block(html: str, questionnaire, kind: str) -> str:
    question = questionnaire.questions.get(kind=kind)
    start = html.index(f'id="question-{question.pk}"')
    end = html.find('id="question-', start + 10)
    return html[start : end if end != -1 else len(html)]


def _checked(html: str, value: str) -> bool:
    """Whether the checkbox or radio with this value is checked in the rendered HTML."""
    import re

    for tag in re.findall(r"<input[^>]*>", html):
        if f'value="{value}"' in tag:
            return " checked" in tag
    raise AssertionError(f"no input with value {value!r}")
