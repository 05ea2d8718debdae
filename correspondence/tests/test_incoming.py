"""Reading stored messages without a server: the admin's list of what was not read, the
mailbox from the settings, the routing token that cannot be guessed."""

import pytest
from django.urls import reverse

from correspondence import imap, services
from correspondence.models import DealThread, IncomingMessage, Mailbox
from deals.models import Deal


@pytest.fixture
def mailbox(db, settings):
    settings.MAIL_SALES_ADDRESS = "sales@crm.test"
    return Mailbox.objects.create(name="Продажи", host="127.0.0.1", username="sales")


def _store(mailbox, uid, raw: bytes) -> IncomingMessage:
    message, _ = services.incoming_store(mailbox=mailbox, uidvalidity=7, uid=uid, raw=raw)
    return services.incoming_process(message_id=message.pk)


def test_a_uid_is_stored_once_and_read_once(mailbox, stages, manager_a):
    raw = (
        "From: a@client.test\r\nSubject: x\r\nMessage-ID: <1@client.test>\r\n\r\nЗаказ\r\n".encode()
    )
    first = _store(mailbox, 5, raw)
    again, created = services.incoming_store(mailbox=mailbox, uidvalidity=7, uid=5, raw=raw)
    assert not created and again.pk == first.pk
    services.incoming_process(message_id=first.pk)
    assert Deal.objects.count() == 1
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 5


def test_a_guessed_token_does_not_reach_the_deal(mailbox, deal_a, manager_a):
    thread = DealThread.objects.create(deal=deal_a)
    guessed = "a" * len(thread.token)
    raw = (
        f"From: x@evil.test\r\nTo: sales+d{deal_a.pk}.{guessed}@crm.test\r\nSubject: x\r\n"
        "Message-ID: <g@evil.test>\r\n\r\nвнедрение\r\n"
    ).encode()
    _store(mailbox, 1, raw)
    assert not deal_a.emails.exists()
    assert Deal.objects.count() == 2  # a new lead, not the guessed deal


def test_our_own_letter_coming_back_is_a_loop(mailbox, settings):
    settings.MAIL_MESSAGE_ID_DOMAIN = "crm.test"
    looped = _store(
        mailbox,
        1,
        b"From: client@client.test\r\nSubject: x\r\nMessage-ID: <abc@crm.test>\r\n\r\nx\r\n",
    )
    assert looped.status == "ignored" and "собственное" in looped.reason
    ours = _store(
        mailbox,
        2,
        b"From: sales+d1.x@crm.test\r\nSubject: x\r\nMessage-ID: <d@client.test>\r\n\r\nx\r\n",
    )
    assert ours.status == "ignored" and "петля" in ours.reason
    assert not Deal.objects.exists()


def test_the_admin_lists_unreadable_mail_with_the_reason_and_reads_it_again(
    client, mailbox, stages, manager_a, monkeypatch
):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@crm.test", "root")
    client.force_login(admin)
    raw = (
        "From: a@client.test\r\nSubject: Заказ\r\nMessage-ID: <z@client.test>\r\n\r\nТекст\r\n"
    ).encode()

    def broken(**kwargs):
        raise RuntimeError("база недоступна")

    monkeypatch.setattr(services, "email_lead_receive", broken)
    failed = _store(mailbox, 1, raw)
    assert failed.status == "failed" and "база недоступна" in failed.reason

    listing = client.get(
        reverse("admin:correspondence_incomingmessage_changelist") + "?status=failed"
    )
    assert listing.status_code == 200
    assert "база недоступна" in listing.text and "Заказ" in listing.text
    page = client.get(reverse("admin:correspondence_incomingmessage_change", args=[failed.pk]))
    assert page.status_code == 200

    monkeypatch.undo()
    response = client.post(
        reverse("admin:correspondence_incomingmessage_changelist"),
        {"action": "process_again", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "created" and failed.deal is not None


def test_the_mailbox_of_the_settings_keeps_its_password_there(db, settings):
    settings.MAIL_IMAP_URL = "imaps://sales%40crm.test:p%40ss@imap.crm.test:993/Входящие"
    [mailbox] = imap.mailboxes()
    assert mailbox.from_settings and mailbox.use_ssl
    assert (mailbox.host, mailbox.port, mailbox.username) == (
        "imap.crm.test",
        993,
        "sales@crm.test",
    )
    assert mailbox.folder == "Входящие"
    assert mailbox.password == "" and mailbox.imap_password() == "p@ss"
    settings.MAIL_IMAP_URL = ""
    assert imap.mailboxes() == []
