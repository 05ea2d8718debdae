"""Commercial proposals: created on the deal card from a template, edited as a draft with
warnings for empty tags, fixed when sent, answered by the client through their link."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from crm.models import OutgoingEmail
from deals.models import DealEvent, Stage, StageAutomation
from documents import services
from documents.models import Proposal

from .conftest import TOTAL_WORDS, default_template

CONTACT = "petrov@romashka.example.ru"


def events(deal, kind_prefix="proposal."):
    return list(
        DealEvent.objects.filter(deal=deal, kind__startswith=kind_prefix)
        .order_by("at", "pk")
        .values_list("kind", flat=True)
    )


def respond(anon, proposal, **data):
    return anon.post(reverse("documents:proposal_public_respond", args=[proposal.token]), data)


# Creating and editing the draft


def test_the_manager_creates_a_proposal_from_a_template_and_lands_on_its_preview(
    client_a, deal_ready
):
    template = default_template("proposal")
    response = client_a.post(
        reverse("documents:proposal_create", args=[deal_ready.pk]), {"template": template.pk}
    )
    proposal = Proposal.objects.get(deal=deal_ready)
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    assert (proposal.year, proposal.sequence, proposal.version) == (None, None, 1)
    assert proposal.body == template.body
    assert proposal.calculation == deal_ready.calculations.get(is_current=True)
    assert proposal.is_draft
    page = client_a.get(proposal.get_absolute_url()).content.decode()
    assert "Черновик: так документ увидит клиент" in page
    assert "ООО «Ромашка»" in page and TOTAL_WORDS in page
    assert "Зафиксировать и отправить" in page
    assert events(deal_ready) == ["proposal.created"]


def test_a_draft_is_not_shown_to_the_client(anon, proposal):
    assert anon.get(proposal.public_path()).status_code == 404
    assert (
        anon.get(reverse("documents:proposal_public_pdf", args=[proposal.token])).status_code == 404
    )


def test_the_draft_text_is_edited_in_the_template_editor_with_this_deals_values(client_a, proposal):
    page = client_a.get(proposal.urls["edit"]).content.decode()
    assert "data-template-editor" in page and "data-tag-palette" in page
    assert "<script>" not in page  # the CSP refuses inline scripts
    assert "5003123458" in page  # the palette shows this client's ИНН, not a made-up one
    body = "<h1>КП для {{ client.name }}</h1><p>Итого {{ calculation.total }} руб.</p>"
    response = client_a.post(proposal.urls["edit"], {"body": body})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.body == body
    assert "КП для ООО «Ромашка»" in client_a.get(proposal.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<p>{{ client.inm }}</p>", "Неизвестная метка {{ client.inm }}"),
        ("<p>{{ deal.manager.password }}</p>", "Неизвестная метка {{ deal.manager.password }}"),
        ("<p>{{ ''.__class__ }}</p>", "Неизвестная метка {{ &#x27;&#x27;.__class__ }}"),
        ("<p>{% load static %}</p>", "Конструкция {% load static %} не поддерживается"),
        ("<script>alert(1)</script>", "Напишите текст документа."),
    ],
)
def test_template_injection_in_a_proposal_is_refused_with_the_text_kept(
    client_a, proposal, body, message
):
    before = proposal.body
    response = client_a.post(proposal.urls["edit"], {"body": body})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Текст не сохранён" in page
    proposal.refresh_from_db()
    assert proposal.body == before


def test_injection_that_reached_the_body_renders_harmlessly_when_sent(
    client_a, anon, proposal, manager_a, sent
):
    # Written past the form (say, through the admin shell): the fixing still runs nothing.
    body = (
        "<p>{{ deal.manager.password }} {{ ''.__class__.__mro__ }} {% debug %}</p>"
        "<script>document.cookie</script><p onclick='x()'>{{ client.inn }}</p>"
    )
    Proposal.objects.filter(pk=proposal.pk).update(body=body)
    proposal.refresh_from_db()
    with pytest.raises(Exception, match="неизвестные метки"):
        services.document_finalize(document=proposal, by=manager_a)
    Proposal.objects.filter(pk=proposal.pk).update(
        body="<p>{% debug %}{{ client.inn }}</p><script>alert(1)</script><img src=x onerror=y>"
    )
    proposal = sent(Proposal.objects.get(pk=proposal.pk))
    assert proposal.sent_html == "<p>{% debug %}5003123458</p>"
    page = anon.get(proposal.public_path()).content.decode()
    assert "<script>alert" not in page and "onerror" not in page
    assert manager_a.password not in page


def test_empty_tags_are_listed_before_sending(client_a, deal_ready, proposal):
    # The manager has no phone; a legal entity has no passport.
    body = "<p>{{ manager.phone }} {{ client.passport }} {{ client.inn }}</p>"
    services.document_save_body(document=proposal, body=body, by=None)
    for url in (proposal.get_absolute_url(), deal_ready.get_absolute_url()):
        page = client_a.get(url).content.decode()
        assert "Перед отправкой: пустыми останутся" in page
        assert "Менеджер: телефон" in page and "client.passport" in page
        assert "client.inn }}" not in page.split("Перед отправкой")[1].split("</ul>")[0]


def test_a_draft_takes_the_current_calculation_when_the_manager_switches_it(
    client_a, deal_ready, proposal, manager_a, save_calculation
):
    other = save_calculation(deal_ready, manager_a)
    page = client_a.get(proposal.get_absolute_url()).content.decode()
    assert f"Текущий расчёт сделки — {other.label}" in page
    client_a.post(proposal.urls["use_calculation"])
    proposal.refresh_from_db()
    assert proposal.calculation == other


# Sending fixes the content


def test_sending_fixes_the_text_freezes_the_calculation_and_emails_the_link(
    client_a, deal_ready, proposal, django_capture_on_commit_callbacks
):
    nonce = "a1b2c3"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(proposal.urls["send"], {"to": CONTACT, "nonce": nonce})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT
    assert proposal.sent_at is not None
    assert "ООО «Ромашка»" in proposal.sent_html
    assert proposal.calculation.is_frozen
    assert proposal.pdf_ready
    assert [m.to for m in mail.outbox] == [[CONTACT]]
    assert proposal.public_url() in mail.outbox[0].body
    assert events(deal_ready) == ["proposal.created", "proposal.fixed", "proposal.sent"]
    # A double click sends once; the PDF, ready now, goes with a deliberate resend.
    client_a.post(proposal.urls["send"], {"to": CONTACT, "nonce": nonce})
    assert OutgoingEmail.objects.filter(recipient=CONTACT).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(proposal.urls["send"], {"to": CONTACT, "nonce": "d4e5f6"})
    last = mail.outbox[-1]
    assert [(name, kind) for name, _, kind in last.attachments] == [
        (proposal.download_name(), "application/pdf")
    ]
    assert last.attachments[0][1].startswith(b"%PDF")


def test_the_link_goes_only_to_the_deals_contacts(client_a, proposal):
    response = client_a.post(proposal.urls["send"], {"to": "someone@else.ru", "nonce": "x"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.is_draft
    assert OutgoingEmail.objects.count() == 0


def test_what_the_client_sees_stays_as_sent(client_a, anon, proposal, sent, deal_ready):
    proposal = sent(proposal)
    client = deal_ready.client
    client.name = "ООО «Новое имя»"
    client.save()
    page = anon.get(proposal.public_path()).content.decode()
    assert "ООО «Ромашка»" in page and "Новое имя" not in page
    response = client_a.get(proposal.urls["edit"])
    assert response.status_code == 302  # a fixed text is not edited in place
    response = client_a.post(proposal.urls["edit"], {"body": "<p>Другое</p>"})
    proposal.refresh_from_db()
    assert "Другое" not in proposal.sent_html and proposal.body != "<p>Другое</p>"


def test_a_later_change_is_a_new_version_with_the_same_number(
    client_a, anon, proposal, sent, manager_a
):
    first = sent(proposal)
    response = client_a.post(first.urls["new_version"])
    second = Proposal.objects.exclude(pk=first.pk).get()
    assert response["Location"] == second.urls["edit"]
    assert (second.sequence, second.version, second.body) == (first.sequence, 2, first.body)
    assert second.title == "Коммерческое предложение № 1 (ред. 2) (черновик)"
    # Asking again opens the same draft instead of a third version.
    client_a.post(first.urls["new_version"])
    assert Proposal.objects.count() == 2
    client_a.post(second.urls["edit"], {"body": "<p>Скидка 10 % для {{ client.name }}</p>"})
    # Until the new version is sent the client can still answer the first one.
    assert "Принять предложение" in anon.get(first.public_path()).content.decode()
    second = sent(Proposal.objects.get(pk=second.pk))
    first.refresh_from_db()
    assert first.is_replaced and not second.is_replaced
    page = anon.get(first.public_path()).content.decode()
    assert "заменено новой редакцией" in page and "Принять предложение" not in page
    respond(anon, first, action="accept")
    first.refresh_from_db()
    assert first.status == Proposal.Status.SENT
    assert "Скидка 10 % для ООО «Ромашка»" in anon.get(second.public_path()).content.decode()


# The client's page


def test_the_client_page_has_the_logo_the_pdf_and_the_answer_buttons(
    anon, proposal, sent, real_seller
):
    proposal = sent(proposal)
    response = anon.get(proposal.public_path())
    page = response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    logo = f"/p/kp/{proposal.token}/media/{real_seller.logo.name}"
    assert f'src="{logo}"' in page
    assert anon.get(logo).status_code == 200
    assert "Скачать PDF" in page and "Принять предложение" in page and "Отклонить" in page
    # Only the document's own pictures are served by its link.
    assert anon.get(f"/p/kp/{proposal.token}/media/pdf/other.pdf").status_code == 404


def test_the_first_open_by_the_client_is_noted_once(anon, deal_ready, proposal, sent):
    proposal = sent(proposal)
    anon.get(proposal.public_path())
    anon.get(proposal.public_path())
    proposal.refresh_from_db()
    assert proposal.open_count == 2
    assert events(deal_ready).count("proposal.opened") == 1
    assert OutgoingEmail.objects.filter(template="client_opened").count() == 1


def test_the_client_accepts_the_proposal_once_and_the_deal_moves_on(
    anon, deal_ready, proposal, sent, manager_a
):
    contract_stage = Stage.objects.get(name="Договор")
    StageAutomation.objects.update_or_create(
        pk=1, defaults={"proposal_accepted_stage": contract_stage}
    )
    proposal = sent(proposal)
    response = respond(anon, proposal, action="accept", comment="Подходит")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    assert proposal.response_comment == "Подходит"
    assert proposal.response_ip == "127.0.0.1"
    deal_ready.refresh_from_db()
    assert deal_ready.stage == contract_stage
    emails = OutgoingEmail.objects.filter(template="proposal_responded")
    # A subject is one line of plain spaces (the date's no-break spaces are for documents).
    title = " ".join(proposal.link_title().split())
    assert [(e.recipient, e.subject) for e in emails] == [
        (manager_a.email, f"Клиент принял {title} — сделка №{deal_ready.pk}")
    ]
    assert "Подходит" in emails[0].body_text
    page = anon.get(proposal.public_path()).content.decode()
    assert "Вы приняли предложение" in page and "Принять предложение" not in page
    # A second answer (a reload, a second tab) changes nothing and e-mails nobody.
    respond(anon, proposal, action="decline", comment="Передумали")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    assert emails.count() == 1
    assert events(deal_ready).count("proposal.accepted") == 1


def test_accepting_never_moves_the_deal_back(anon, deal_ready, proposal, sent, manager_a):
    from deals.services import deal_move

    StageAutomation.objects.update_or_create(
        pk=1, defaults={"proposal_accepted_stage": Stage.objects.get(name="Бриф")}
    )
    later = Stage.objects.get(name="Договор")
    deal_move(deal=deal_ready, stage=later, by=manager_a)
    respond(anon, sent(proposal), action="accept")
    deal_ready.refresh_from_db()
    assert deal_ready.stage == later


def test_accepting_never_moves_a_lost_deal(anon, deal_ready, proposal, sent, manager_a):
    from deals.models import LossReason
    from deals.services import deal_move

    StageAutomation.objects.update_or_create(
        pk=1, defaults={"proposal_accepted_stage": Stage.objects.get(name="Договор")}
    )
    proposal = sent(proposal)
    lost = Stage.objects.get(name="Проиграна")
    reason = LossReason.objects.first()
    deal_move(deal=deal_ready, stage=lost, by=manager_a, loss_reason=reason, comment="Ушли")
    respond(anon, proposal, action="accept")
    deal_ready.refresh_from_db()
    assert deal_ready.stage == lost


def test_the_timeline_says_which_document_moved_the_deal(
    anon, client_a, deal_ready, proposal, sent
):
    StageAutomation.objects.update_or_create(
        pk=1, defaults={"proposal_accepted_stage": Stage.objects.get(name="Договор")}
    )
    proposal = sent(proposal)
    respond(anon, proposal, action="accept")
    card = client_a.get(deal_ready.get_absolute_url()).content.decode()
    assert f"→ «Договор»: клиент принял {proposal.link_title()}" in card


def test_declining_needs_a_comment_shown_next_to_the_field(anon, deal_ready, proposal, sent):
    proposal = sent(proposal)
    response = respond(anon, proposal, action="decline", comment="   ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Напишите, почему предложение не подошло." in page
    assert "is-invalid" in page
    response = respond(anon, proposal, comment="Дорого и долго")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Нажмите «Принять предложение» или «Отклонить»." in page
    assert "Дорого и долго" in page  # what the client typed is kept
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT


def test_the_client_declines_with_a_comment_and_the_manager_reads_it(
    anon, client_a, deal_ready, proposal, sent
):
    StageAutomation.objects.update_or_create(
        pk=1, defaults={"proposal_accepted_stage": Stage.objects.get(name="Договор")}
    )
    stage = deal_ready.stage
    proposal = sent(proposal)
    respond(anon, proposal, action="decline", comment="Нужен вариант дешевле")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    deal_ready.refresh_from_db()
    assert deal_ready.stage == stage
    email = OutgoingEmail.objects.get(template="proposal_responded")
    assert email.subject.startswith("Клиент отклонил коммерческое предложение № 1")
    assert "Нужен вариант дешевле" in email.body_text
    card = client_a.get(deal_ready.get_absolute_url()).content.decode()
    assert "Отклонено клиентом" in card and "Нужен вариант дешевле" in card


def test_staff_previewing_the_link_neither_count_nor_answer(client_a, proposal, sent):
    proposal = sent(proposal)
    page = client_a.get(proposal.public_path()).content.decode()
    assert "это предпросмотр" in page
    respond(client_a, proposal, action="accept")
    proposal.refresh_from_db()
    assert proposal.open_count == 0
    assert proposal.status == Proposal.Status.SENT


def test_revoked_and_renewed_links(client_a, anon, proposal, sent):
    proposal = sent(proposal)
    old = proposal.public_path()
    client_a.post(proposal.urls["revoke"])
    assert anon.get(old).status_code == 404
    assert respond(anon, proposal, action="accept").status_code == 404
    client_a.post(proposal.urls["new_link"])
    proposal.refresh_from_db()
    assert anon.get(old).status_code == 404
    assert anon.get(proposal.public_path()).status_code == 200


def test_an_expired_link_is_404(anon, proposal, sent):
    proposal = sent(proposal)
    Proposal.objects.filter(pk=proposal.pk).update(
        expires_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    assert anon.get(proposal.public_path()).status_code == 404


# Who may do what


def test_another_manager_gets_404_on_every_staff_url(client_b, proposal, sent):
    draft_urls = dict(proposal.urls)
    proposal = sent(proposal)
    for name, url in {**draft_urls, **proposal.urls}.items():
        assert client_b.get(url).status_code in (404, 405), name
        assert client_b.post(url, {"to": CONTACT, "body": "<p>x</p>"}).status_code == 404, name
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT and proposal.revoked_at is None
    create = reverse("documents:proposal_create", args=[proposal.deal_id])
    assert client_b.post(create, {"template": default_template("proposal").pk}).status_code == 404
    assert Proposal.objects.count() == 1


def test_a_proposal_of_another_deal_is_404_under_this_deal(
    client_a, proposal, make_deal, manager_a
):
    other = make_deal(manager_a, title="Другая сделка")
    url = reverse("documents:proposal_detail", args=[other.pk, proposal.pk])
    assert client_a.get(url).status_code == 404


def test_the_head_of_sales_works_with_any_deals_proposal(client_head, proposal):
    assert client_head.get(proposal.get_absolute_url()).status_code == 200
    client_head.post(proposal.urls["finalize"])
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT


# Query counts


def _documents(deal, manager, n, sent):
    from documents.models import Contract

    template = default_template("proposal")
    contract_template = default_template("contract")
    for index in range(n):
        proposal = services.proposal_create(deal=deal, template=template, by=manager)
        contract = services.contract_create(deal=deal, template=contract_template, by=manager)
        if index % 2:
            services.document_finalize(document=proposal, by=manager)
            services.document_finalize(document=contract, by=manager)
    return Proposal.objects.filter(deal=deal).count() + Contract.objects.filter(deal=deal).count()


def test_the_deal_card_runs_the_same_queries_with_2_and_50_documents(
    client_a, deal_ready, manager_a, django_assert_num_queries, sent
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _documents(deal_ready, manager_a, 1, sent)
    with CaptureQueriesContext(connection) as few:
        page = client_a.get(deal_ready.get_absolute_url())
    assert page.status_code == 200
    assert page.content.decode().count('id="proposal-') == 1
    _documents(deal_ready, manager_a, 25, sent)
    with django_assert_num_queries(len(few)):
        page = client_a.get(deal_ready.get_absolute_url())
    assert page.status_code == 200
    assert page.content.decode().count('id="proposal-') == 26


def test_the_client_page_lists_the_documents_in_the_same_queries_for_2_and_50(
    client_a, deal_ready, manager_a, django_assert_num_queries, sent, make_deal, manager_b
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("clients:detail", args=[deal_ready.client.pk])
    _documents(deal_ready, manager_a, 1, sent)
    with CaptureQueriesContext(connection) as few:
        response = client_a.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Коммерческое предложение без номера (черновик)" in page
    assert "Договор без номера (черновик)" in page
    _documents(deal_ready, manager_a, 25, sent)
    # A deal of another manager with the same client: not shown to this one.
    hidden = make_deal(manager_b, title="Чужая сделка", client=deal_ready.client)
    foreign = services.proposal_create(
        deal=hidden, template=default_template("proposal"), by=manager_b
    )
    foreign = services.document_finalize(document=foreign, by=manager_b)
    with django_assert_num_queries(len(few)):
        response = client_a.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(">Коммерческое предложение ") == 26
    assert f"№ {foreign.sequence} от" not in page


def test_the_public_page_runs_a_few_queries(anon, proposal, sent, django_assert_max_num_queries):
    proposal = sent(proposal)
    anon.get(proposal.public_path())
    with django_assert_max_num_queries(6):
        response = anon.get(proposal.public_path())
    assert response.status_code == 200
    assert proposal.title in response.content.decode()


def test_amounts_are_decimal_in_the_fixed_text(proposal, sent):
    proposal = sent(proposal)
    assert proposal.calculation.total == Decimal("227400.00")
    assert "227\u00a0400,00" in proposal.sent_html


@pytest.mark.parametrize(
    "template",
    ["proposal_responded", "contract_accepted", "client_opened", "questionnaire_submitted"],
)
def test_deal_numbers_in_e_mails_have_no_thousands_separator(template):
    # USE_THOUSAND_SEPARATOR would print deal 2312 as «2 312».
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    deal = SimpleNamespace(pk=2312, number="2312", title="Сайт")
    context = {"deal": deal, "title": "договор № 1", "questionnaire": deal, "contract": None}
    assert "№2312" in render_to_string(f"emails/{template}-subject.txt", context)
