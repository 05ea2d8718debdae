"""The whole path of e-mail on a deal against real servers: a letter written on the card
goes out over SMTP (aiosmtpd), the client's reply is delivered into a Dovecot mailbox, the
poller reads it into the deal's timeline; a new order becomes a deal; a poller that dies
mid-batch loses and doubles nothing; hostile mail is recorded, never a 500."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.urls import reverse

from contacts.models import Contact
from correspondence import imap, services
from correspondence.models import DealEmail, DealThread, IncomingMessage
from crm.mail import email_send
from crm.models import Notification, OutgoingEmail
from deals import services as deal_services
from deals.models import Deal, DealFile, Source, Stage

pytestmark = [pytest.mark.imap, pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _send_outbox():
    for pk in OutgoingEmail.objects.filter(status="pending").values_list("pk", flat=True):
        email_send(email_id=pk)


@pytest.fixture
def deal(stages, manager_a):
    manager_a.email_signature = "С уважением,\nАнна, студия «Пиксель»"
    manager_a.save()
    deal = deal_services.deal_create(title="Сайт для «Ромашки»", manager=manager_a, by=manager_a)
    deal_services.contact_save(
        contact=Contact(name="Иван Петров"), phones=[], emails=["ivan@client.test"], deal=deal
    )
    deal_services.contact_save(
        contact=Contact(name="Мария"), phones=[], emails=["maria@client.test"], deal=deal
    )
    return deal


def _reply(sent, *, text, html, attachment=None, to=None, subject=None) -> bytes:
    reply = EmailMessage()
    reply["From"] = "Иван Петров <ivan@client.test>"
    reply["To"] = to or str(sent["Reply-To"])
    reply["Subject"] = subject or f"Re: {sent['Subject']}"
    reply["Message-ID"] = make_msgid(domain="client.test")
    reply["In-Reply-To"] = str(sent["Message-ID"])
    reply["References"] = str(sent["Message-ID"])
    reply.set_content(text)
    reply.add_alternative(html, subtype="html")
    if attachment:
        name, content, maintype, subtype = attachment
        reply.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return reply.as_bytes()


def _order(sender: str, subject: str, text: str = "Хотим заказать сайт.") -> bytes:
    order = EmailMessage()
    order["From"] = sender
    order["To"] = "sales@crm.test"
    order["Subject"] = subject
    order["Message-ID"] = make_msgid(domain="client.test")
    order.set_content(text)
    return order.as_bytes()


def test_a_letter_from_the_card_goes_out_and_the_clients_reply_lands_in_the_timeline(
    client_a, deal, manager_a, mailbox, imap_server, smtp_server, django_capture_on_commit_callbacks
):
    proposal_file = deal_services.deal_file_add(deal=deal, name="ТЗ.pdf", content=PDF)
    url = reverse("mail:compose", args=[deal.pk])
    page = client_a.get(url)
    assert page.status_code == 200
    assert "ivan@client.test" in page.text and "Файл «ТЗ.pdf»" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            url,
            {
                "recipients": ["ivan@client.test", "maria@client.test"],
                "subject": "Предложение по сайту",
                "body": '<p>Добрый день!</p><p onclick="x()">Смета во вложении.</p>'
                "<script>alert(1)</script>",
                "attachments": [f"file:{proposal_file.pk}"],
            },
        )
    assert response.status_code == 302
    _send_outbox()

    assert len(smtp_server.messages) == 1
    sent, raw, rcpt = smtp_server.messages[0]
    assert sorted(rcpt) == ["ivan@client.test", "maria@client.test"]
    letter = DealEmail.objects.get(deal=deal, direction="out")
    token = DealThread.objects.get(deal=deal).token
    assert str(sent["Message-ID"]) == letter.message_id
    assert letter.message_id.endswith("@crm.test>")
    assert str(sent["Reply-To"]) == f"sales+d{deal.pk}.{token}@crm.test"
    assert "sales@crm.test" in str(sent["From"]) and "Анна" in str(sent["From"])
    html = sent.get_body(("html",)).get_content()
    assert "Смета во вложении." in html and "студия «Пиксель»" in html
    assert "<script" not in html and "onclick" not in html
    assert [p.get_filename() for p in sent.iter_attachments()] == ["ТЗ.pdf"]
    card = client_a.get(deal.get_absolute_url())
    assert card.status_code == 200
    assert "Написать письмо" in card.text and "Предложение по сайту" in card.text
    sent_event = deal.events.get(kind="email.sent")
    assert "Смета во вложении." in sent_event.text and "ТЗ.pdf" in sent_event.text

    imap_server.deliver(
        _reply(
            sent,
            text="Спасибо, смету получил. Завтра созвонимся.\n\n"
            "On Mon, 30 Nov 2026 at 10:00, Анна <sales@crm.test> wrote:\n"
            "> Добрый день!\n> Смета во вложении.\n",
            html='<div dir="ltr"><p>Спасибо, <b>смету</b> получил.</p>'
            '<img src="https://tracker.example/p.gif"><script>steal()</script></div>'
            '<div class="gmail_quote"><p>Добрый день! Смета во вложении.</p></div>',
            attachment=("реквизиты.pdf", PDF, "application", "pdf"),
        )
    )
    result = imap.mailbox_poll(mailbox=mailbox)
    assert result.taken == 1

    received = DealEmail.objects.get(deal=deal, direction="in")
    assert received.body_text == "Спасибо, смету получил. Завтра созвонимся."
    assert "<b>смету</b>" in received.body_html
    assert "gmail_quote" not in received.body_html and "Смета во вложении" not in received.body_html
    assert "script" not in received.body_html and "tracker.example" not in received.body_html
    event = deal.events.get(kind="email.received")
    assert "Спасибо, смету получил." in event.text and "> Добрый день" not in event.text
    kept = DealFile.objects.get(deal=deal, name="реквизиты.pdf")
    assert kept.size == len(PDF)
    assert Notification.objects.filter(user=manager_a, event="mail.received").count() == 1
    assert IncomingMessage.objects.get().status == IncomingMessage.Status.ATTACHED
    assert "\\Seen" in imap_server.flags()[1]

    page = client_a.get(reverse("mail:detail", args=[deal.pk, received.pk]))
    assert page.status_code == 200
    assert "смету" in page.text and "steal()" not in page.text

    # A second poll takes nothing again.
    assert imap.mailbox_poll(mailbox=mailbox).taken == 0
    assert DealEmail.objects.filter(deal=deal, direction="in").count() == 1

    # The manager answers: the next letter is threaded under the client's.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            url,
            {"recipients": ["ivan@client.test"], "subject": "Re: Предложение", "body": "<p>Ок</p>"},
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    _send_outbox()
    [told] = [m for m, _, rcpt in smtp_server.messages if rcpt == [manager_a.email]]
    [answer] = [m for m, _, rcpt in smtp_server.messages[1:] if rcpt == ["ivan@client.test"]]
    assert (
        str(told["To"]) == manager_a.email
        and "Спасибо, смету получил" in told.get_body(("plain",)).get_content()
    )
    assert str(answer["In-Reply-To"]) == received.message_id
    assert received.message_id in str(answer["References"])


def test_a_reply_found_by_its_thread_alone_reaches_the_deal(
    deal, mailbox, imap_server, smtp_server, manager_a, django_capture_on_commit_callbacks
):
    """The client's program dropped the plus-address (answered to sales@ directly)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_email_send(
            deal=deal,
            by=manager_a,
            recipients=["ivan@client.test"],
            subject="Счёт",
            body_html="<p>Счёт</p>",
        )
    _send_outbox()
    sent = smtp_server.messages[0][0]
    imap_server.deliver(
        _reply(
            sent,
            to="sales@crm.test",
            text="Оплатим в пятницу.\n\n-----Original Message-----\nFrom: sales\nСчёт",
            html='<p>Оплатим в пятницу.</p><div id="divRplyFwdMsg"><b>От:</b> sales</div>',
        )
    )
    imap.mailbox_poll(mailbox=mailbox)
    received = DealEmail.objects.get(direction="in")
    assert received.deal == deal
    assert received.body_text == "Оплатим в пятницу."
    assert Deal.objects.count() == 1


def test_a_new_order_by_e_mail_becomes_a_deal_and_a_repeat_joins_it(
    stages, manager_a, mailbox, imap_server
):
    imap_server.deliver(_order("Сергей Новиков <sergey@newclient.test>", "Заказ: интернет-магазин"))
    imap.mailbox_poll(mailbox=mailbox)

    deal = Deal.objects.get()
    assert deal.source == Source.EMAIL
    assert deal.stage == Stage.first_open()
    assert deal.title == "Письмо: Заказ: интернет-магазин"
    assert deal.manager == manager_a
    contact = deal.contacts.get()
    assert contact.name == "Сергей Новиков"
    assert list(contact.emails.values_list("email", flat=True)) == ["sergey@newclient.test"]
    assert deal.tasks.filter(done_at__isnull=True, text="Связаться с клиентом").count() == 1
    assert "Хотим заказать сайт." in deal.events.get(kind="email.received").text
    assert IncomingMessage.objects.get().status == IncomingMessage.Status.CREATED

    imap_server.deliver(_order("sergey@newclient.test", "И ещё вопрос", "Сколько стоит SEO?"))
    imap.mailbox_poll(mailbox=mailbox)
    assert Deal.objects.count() == 1
    assert deal.emails.filter(direction="in").count() == 2
    assert Notification.objects.filter(event="mail.received", user=manager_a).count() == 1


class Killed(BaseException):
    """The worker dies: nothing of ours catches it."""


def test_a_poller_killed_mid_batch_loses_nothing_and_doubles_nothing(
    stages, manager_a, mailbox, imap_server, monkeypatch
):
    for n in range(5):
        imap_server.deliver(_order(f"client{n}@orders.test", f"Заказ {n}"))
    # The same message delivered twice (a client's server retried): one deal.
    duplicate = _order("twice@orders.test", "Заказ дважды")
    imap_server.deliver(duplicate)
    imap_server.deliver(duplicate)

    real = services.incoming_process
    calls = []

    def dies_on_the_third(*, message_id):
        calls.append(message_id)
        if len(calls) == 3:
            raise Killed
        return real(message_id=message_id)

    monkeypatch.setattr(services, "incoming_process", dies_on_the_third)
    with pytest.raises(Killed):
        imap.mailbox_poll(mailbox=mailbox)
    # Three taken and stored, the third not read: it waits in the database.
    assert IncomingMessage.objects.count() == 3
    assert IncomingMessage.objects.filter(status="received").count() == 1
    assert Deal.objects.count() == 2
    flags = imap_server.flags()
    assert [uid for uid, f in flags.items() if "\\Seen" in f] == [1, 2]

    monkeypatch.setattr(services, "incoming_process", real)
    imap.mailbox_poll(mailbox=mailbox)
    imap.mailbox_poll(mailbox=mailbox)
    assert IncomingMessage.objects.count() == 7
    assert Deal.objects.count() == 6
    assert sorted(Deal.objects.values_list("title", flat=True)) == sorted(
        [f"Письмо: Заказ {n}" for n in range(5)] + ["Письмо: Заказ дважды"]
    )
    ignored = IncomingMessage.objects.get(status="ignored")
    assert ignored.reason.startswith("Уже получено")
    assert all("\\Seen" in f for f in imap_server.flags().values())


def test_hostile_mail_is_recorded_with_its_reason_and_never_a_500(
    client_a, deal, manager_a, manager_b, mailbox, imap_server, settings
):
    settings.DEAL_FILE_MAX_MB = 10
    thread = services.reply_address(deal)

    big = EmailMessage()
    big["From"] = "ivan@client.test"
    big["To"] = thread
    big["Subject"] = "Макет"
    big["Message-ID"] = make_msgid(domain="client.test")
    big.set_content("Макет во вложении.")
    big.add_attachment(
        b"\x00" * (20 * 1024 * 1024), maintype="application", subtype="zip", filename="макет.zip"
    )
    imap_server.deliver(big.as_bytes())

    broken = (
        b"From: ivan@client.test\r\nTo: " + thread.encode() + b"\r\nSubject: broken\r\n"
        b"Message-ID: <broken@client.test>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed\r\n\r\n--\r\n\xff\xfe garbage without boundary\r\n"
    )
    imap_server.deliver(broken)
    imap_server.deliver(b"\x00\x01\x02 not a message at all")

    forged = EmailMessage()
    forged["From"] = f"Борис <{manager_b.email}>"
    forged["To"] = "sales@crm.test"
    forged["Subject"] = "Срочно переведите деньги"
    forged["Message-ID"] = make_msgid(domain="evil.test")
    forged.set_content("Это Борис, оплатите счёт.")
    imap_server.deliver(forged.as_bytes())

    forged_reply = EmailMessage()
    forged_reply["From"] = manager_b.email
    forged_reply["To"] = thread
    forged_reply["Subject"] = "Re: смета"
    forged_reply["Message-ID"] = make_msgid(domain="evil.test")
    forged_reply.set_content("Смену реквизитов подтверждаю.")
    imap_server.deliver(forged_reply.as_bytes())

    auto = _order("ivan@client.test", "Автоответ: в отпуске")
    auto = auto.replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1)
    imap_server.deliver(auto)
    bulk = _order("news@shop.test", "Скидки").replace(
        b"Subject:", b"Precedence: bulk\r\nSubject:", 1
    )
    imap_server.deliver(bulk)

    imap.mailbox_poll(mailbox=mailbox)
    rows = {m.uid: m for m in IncomingMessage.objects.all()}
    assert len(rows) == 7

    big_letter = DealEmail.objects.get(subject="Макет")
    assert big_letter.deal == deal
    [note] = big_letter.attachments
    assert note["kept"] is False and "10 МБ" in note["note"]
    assert not DealFile.objects.filter(name="макет.zip").exists()
    assert "макет.zip" in deal.events.get(kind="email.received", text__contains="Макет").text

    assert rows[2].status == "failed" and "Структура MIME нарушена" in rows[2].reason
    assert rows[2].subject == "broken" and bytes(rows[2].raw).startswith(b"From: ivan")
    assert rows[3].status == "failed" and "заголовков" in rows[3].reason
    assert rows[4].status == "ignored" and "сотрудника" in rows[4].reason
    forged_letter = DealEmail.objects.get(subject="Re: смета")
    assert forged_letter.deal == deal and "подделан" in forged_letter.warning
    assert forged_letter.author is None
    assert rows[6].status == "ignored" and "Auto-Submitted" in rows[6].reason
    assert rows[7].status == "ignored" and "bulk" in rows[7].reason
    assert Deal.objects.count() == 1

    for letter in DealEmail.objects.all():
        page = client_a.get(reverse("mail:detail", args=[deal.pk, letter.pk]))
        assert page.status_code == 200
    assert "подделан" in client_a.get(reverse("mail:detail", args=[deal.pk, forged_letter.pk])).text
    assert client_a.get(deal.get_absolute_url()).status_code == 200


def test_a_message_over_the_limit_is_kept_by_its_headers_and_left_unread(
    stages, manager_a, mailbox, imap_server, settings
):
    settings.MAIL_MAX_MESSAGE_MB = 1
    imap_server.deliver(_order("big@client.test", "Огромное письмо", "x" * (2 * 1024 * 1024)))
    imap.mailbox_poll(mailbox=mailbox)
    row = IncomingMessage.objects.get()
    assert row.status == "failed" and "больше 1 МБ" in row.reason
    assert row.subject == "Огромное письмо" and len(bytes(row.raw)) < 4096
    assert "\\Seen" not in imap_server.flags()[1]
    assert not Deal.objects.exists()


def test_a_mailbox_without_ssl_is_refused_in_production(mailbox, settings):
    settings.MAIL_IMAP_REQUIRE_SSL = True
    with pytest.raises(imap.MailboxError, match="без SSL"):
        imap.mailbox_poll(mailbox=mailbox)
    mailbox.refresh_from_db()
    assert "без SSL" in mailbox.last_error
