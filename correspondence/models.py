"""E-mail on the deal: the mailboxes the CRM reads, every message it took from them (kept
raw before anything is made of it), and the letters of a deal's conversation, written from
the card or received in reply."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm.models import TimeStampedModel
from deals.models import Deal, LeadSource

# Lower-case letters and digits: a plus-address survives servers that lower-case it.
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
TOKEN_LENGTH = 16  # 82 bits


def new_thread_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


class Mailbox(TimeStampedModel):
    """An IMAP mailbox read by beat. New mail in it from an unknown sender becomes a deal by
    the rules of its lead source (who gets it, how soon the first call is due)."""

    name = models.CharField("название", max_length=200)
    host = models.CharField("сервер IMAP", max_length=255)
    port = models.PositiveIntegerField("порт", default=993)
    use_ssl = models.BooleanField(
        "SSL",
        default=True,
        help_text="Без SSL ящик читается, только если это разрешено "
        "настройкой MAIL_IMAP_REQUIRE_SSL=False (тестовый сервер на этой же машине).",
    )
    username = models.CharField("логин", max_length=255)
    password = models.CharField(
        "пароль",
        max_length=255,
        blank=True,
        help_text="Хранится в базе открытым текстом; "
        "ящик из настроек (MAIL_IMAP_URL) берёт пароль оттуда и здесь его не хранит.",
    )
    folder = models.CharField("папка", max_length=255, default="INBOX")
    done_folder = models.CharField(
        "папка для обработанных",
        max_length=255,
        blank=True,
        help_text="Куда переносить разобранные письма. Пусто — оставлять в папке прочитанными.",
    )
    address = models.EmailField(
        "адрес продаж",
        blank=True,
        help_text="Письма на этот адрес от неизвестных отправителей становятся сделками. "
        "Пусто — MAIL_SALES_ADDRESS.",
    )
    lead_source = models.ForeignKey(
        LeadSource,
        verbose_name="правила заявок",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Кому отдавать новые сделки из писем и срок первого звонка — как у этого "
        "источника. Пусто — источник «E-mail» (создаётся сам, по очереди среди менеджеров).",
    )
    active = models.BooleanField("читать", default=True)
    from_settings = models.BooleanField("из настроек", default=False, editable=False)
    uidvalidity = models.BigIntegerField("UIDVALIDITY", null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField("последний UID", default=0, editable=False)
    last_polled_at = models.DateTimeField("проверен", null=True, blank=True, editable=False)
    last_error = models.TextField("последняя ошибка", blank=True, editable=False)

    class Meta:
        verbose_name = "почтовый ящик"
        verbose_name_plural = "почтовые ящики"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def imap_password(self) -> str:
        if self.from_settings:
            from .imap import settings_mailbox

            found = settings_mailbox()
            return found["password"] if found else ""
        return self.password


class DealThread(models.Model):
    """The deal's own reply address: sales+d<deal>.<token>@… routes an answer to this deal
    whatever happened to the quoted headers; the token cannot be guessed from the number."""

    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="mail_thread")
    token = models.CharField("ключ", max_length=32, unique=True, default=new_thread_token)

    class Meta:
        verbose_name = "адрес переписки сделки"
        verbose_name_plural = "адреса переписки сделок"

    def __str__(self):
        return f"d{self.deal_id}.{self.token}"


class IncomingMessage(models.Model):
    """Every message taken from a mailbox, stored raw before it is read: a worker that dies
    mid-batch loses nothing, and (mailbox, UIDVALIDITY, UID) is taken once."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Получено, не разобрано"
        ATTACHED = "attached", "Добавлено в сделку"
        CREATED = "created", "Создана сделка"
        IGNORED = "ignored", "Пропущено"
        FAILED = "failed", "Не разобрано"

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    uidvalidity = models.BigIntegerField("UIDVALIDITY")
    uid = models.BigIntegerField("UID")
    message_id = models.CharField("Message-ID", max_length=255, blank=True, db_index=True)
    raw = models.BinaryField("исходный текст", blank=True)
    size = models.PositiveBigIntegerField("размер, байт", default=0)
    from_address = models.CharField("от", max_length=320, blank=True)
    subject = models.CharField("тема", max_length=500, blank=True)
    received_at = models.DateTimeField("получено", default=timezone.now, db_index=True)
    status = models.CharField(
        "статус", max_length=10, choices=Status, default=Status.RECEIVED, db_index=True
    )
    reason = models.TextField("причина", blank=True)
    deal = models.ForeignKey(
        Deal,
        verbose_name="сделка",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    processed_at = models.DateTimeField("разобрано", null=True, blank=True)
    seen_at = models.DateTimeField("отмечено в ящике", null=True, blank=True)

    class Meta:
        verbose_name = "входящее письмо"
        verbose_name_plural = "входящие письма"
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="incomingmessage_uid"
            )
        ]

    def __str__(self):
        return f"{self.from_address}: {self.subject}"


class DealEmail(models.Model):
    """One letter of the deal's conversation: sent from the card or received from the
    client. `body_html` is cleaned with nh3; `body_text` is what the client wrote, without
    the quoted history."""

    class Direction(models.TextChoices):
        OUT = "out", "Исходящее"
        IN = "in", "Входящее"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="emails")
    direction = models.CharField("направление", max_length=3, choices=Direction)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="написал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_address = models.CharField("от", max_length=320)
    to = models.TextField("кому")
    subject = models.CharField("тема", max_length=500, blank=True)
    body_html = models.TextField("текст (HTML)", blank=True)
    body_text = models.TextField("текст", blank=True)
    message_id = models.CharField("Message-ID", max_length=255, db_index=True)
    in_reply_to = models.CharField("In-Reply-To", max_length=255, blank=True)
    references = models.TextField("References", blank=True)
    # [{"name": …, "size": …, "kept": bool, "note": "…"}]: what came or went with the letter.
    attachments = models.JSONField("вложения", default=list, blank=True)
    warning = models.CharField("предупреждение", max_length=500, blank=True)
    incoming = models.OneToOneField(
        IncomingMessage,
        verbose_name="входящее",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="email",
    )
    at = models.DateTimeField("когда", default=timezone.now)

    class Meta:
        verbose_name = "письмо сделки"
        verbose_name_plural = "письма сделок"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["deal", "-at"], name="dealemail_deal_at")]

    def __str__(self):
        return self.subject or "(без темы)"
