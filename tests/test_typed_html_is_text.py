"""Text people type (deal titles, comments, contact names, questionnaire answers, invoice
lines) that contains HTML is shown as text everywhere it appears: pages, e-mails, PDFs."""

from decimal import Decimal

from django.core import mail
from django.urls import reverse

from contacts.models import Contact
from crm.testing import pdf_text
from deals import services

EVIL = '<script>alert("x")</script><b>жирный</b>'
ESCAPED = "&lt;script&gt;"


def test_a_deal_title_and_a_contact_name_are_text_on_every_staff_page(
    client_head, make_deal, manager_a, future
):
    deal = make_deal(manager_a, title=EVIL)
    services.contact_save(contact=Contact(name=EVIL), phones=[], emails=[], deal=deal)
    services.comment_add(deal=deal, author=manager_a, text=EVIL)
    services.task_create(
        deal=deal, author=manager_a, assignee=manager_a, kind="call", text=EVIL, due_at=future
    )
    for url in [
        reverse("deals:list"),
        reverse("deals:board"),
        deal.get_absolute_url(),
        reverse("analytics:funnel"),
    ]:
        html = client_head.get(url).text
        assert EVIL not in html, url
        if url != reverse("analytics:funnel"):
            assert ESCAPED in html, url


def test_a_questionnaire_answer_is_text_on_the_card_and_in_the_email(
    anon, client_a, deal_a, manager_a, django_capture_on_commit_callbacks
):
    from documents import services as doc_services
    from documents.models import QuestionKind, QuestionnaireTemplate, TemplateQuestion

    template = QuestionnaireTemplate.objects.create(title="Бриф")
    TemplateQuestion.objects.create(
        template=template, order=1, text="Задача", kind=QuestionKind.SHORT, required=True
    )
    q = doc_services.questionnaire_create(deal=deal_a, template=template, by=manager_a)
    field = f"q{q.questions.get().pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.post(q.public_path(), {field: EVIL, "action": "submit"})
    assert response.status_code == 302
    card = client_a.get(deal_a.get_absolute_url()).text
    assert EVIL not in card and ESCAPED in card
    (message,) = [m for m in mail.outbox if "заполнил" in m.subject]
    html_body = message.alternatives[0][0]
    assert EVIL not in html_body and ESCAPED in html_body


def test_an_invoice_line_is_text_on_the_client_page_and_in_the_pdf(
    anon, deal_a, manager_a, django_capture_on_commit_callbacks
):
    from billing.services import LineData, invoice_create, invoice_issue
    from contacts.demo import load as load_requisites
    from contacts.models import Client
    from deals.clients.services import deal_set_client

    with open("/dev/null", "w") as devnull:
        load_requisites(stdout=devnull)
    deal_set_client(deal=deal_a, client=Client.objects.first(), by=manager_a)
    invoice = invoice_create(
        deal=deal_a,
        by=manager_a,
        lines=[LineData(name=EVIL, quantity=Decimal("1"), price=Decimal("1000"))],
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(invoice=invoice, by=manager_a)
    page = anon.get(invoice.public_path()).text
    assert EVIL not in page and ESCAPED in page
    invoice.refresh_from_db()
    with invoice.pdf.open("rb") as file:
        text = pdf_text(file.read())
    assert '<script>alert("x")</script><b>жирный</b>' in text.replace("\n", "")
