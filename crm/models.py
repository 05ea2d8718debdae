import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone


class User(AbstractUser):
    class Role(models.TextChoices):
        MANAGER = "manager", "Менеджер"
        HEAD = "head", "Руководитель отдела продаж"

    role = models.CharField("роль", max_length=16, choices=Role, default=Role.MANAGER)
    # Shown to clients: in documents (the manager.* tags), on their pages and in e-mails.
    phone = models.CharField("телефон", max_length=32, blank=True)
    position = models.CharField("должность", max_length=120, blank=True)
    email_signature = models.TextField(
        "подпись в письмах",
        max_length=1000,
        blank=True,
        help_text="Обычный текст: ставится в конце писем, которые вы отправляете клиентам.",
    )

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_head(self) -> bool:
        return self.role == self.Role.HEAD or self.is_superuser


class NumberCounter(models.Model):
    """One gap-free counter a kind of numbered document and a year. The apps name their own
    kinds; used only through crm.numbering.next_number()."""

    kind = models.CharField("вид документа", max_length=16)
    year = models.PositiveSmallIntegerField("год")
    last = models.PositiveIntegerField("последний выданный номер", default=0)

    class Meta:
        verbose_name = "счётчик номеров"
        verbose_name_plural = "счётчики номеров"
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="crm_counter_kind_year"),
        ]

    def __str__(self):
        return f"{self.kind}, {self.year}: {self.last}"


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("создано", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        abstract = True


def new_link_token() -> str:
    """256 random bits, 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenDigestField(models.CharField):
    """The SHA-256 of the row's `token`, kept in step on every save (also bulk_create).
    Links are looked up by the digest, so the index comparison works on a value the visitor
    cannot steer byte by byte, and timing reveals nothing about stored tokens."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = token_digest(model_instance.token)
        setattr(model_instance, self.attname, value)
        return value


class PublicLink(models.Model):
    """A document the client opens by an unguessable link without logging in: questionnaire,
    proposal, contract, invoice. The concrete model sets `public_url_name` (a URL name taking
    `token`) and implements `link_deal()` and `link_title()`. Public views find it only
    through crm.public.get_by_token_or_404."""

    token = models.CharField(
        "ключ ссылки", max_length=64, unique=True, default=new_link_token, editable=False
    )
    token_digest = TokenDigestField("отпечаток ключа", unique=True)
    expires_at = models.DateTimeField("ссылка действует до", null=True, blank=True)
    revoked_at = models.DateTimeField("ссылка отозвана", null=True, blank=True)
    first_opened_at = models.DateTimeField("впервые открыта клиентом", null=True, blank=True)
    last_opened_at = models.DateTimeField("последний раз открыта", null=True, blank=True)
    open_count = models.PositiveIntegerField("открыта раз", default=0)

    public_url_name: str = ""

    class Meta:
        abstract = True

    def link_deal(self):
        """The deal this document belongs to (its manager is told about client activity)."""
        raise NotImplementedError

    def link_title(self) -> str:
        """The document as it reads after «Клиент открыл …» and «ссылка на …»:
        «анкету «Бриф на разработку сайта»», «счёт № 12 от 5 марта 2026 г.»."""
        raise NotImplementedError

    @property
    def is_link_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def is_link_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def public_path(self) -> str:
        return reverse(self.public_url_name, kwargs={"token": self.token})

    def public_url(self) -> str:
        return settings.SITE_URL + self.public_path()

    def revoke(self) -> None:
        """Make the link dead; the document itself stays."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def rotate_token(self) -> str:
        """Issue a new link: the old one answers 404 from now on. Returns the new token."""
        self.token = new_link_token()
        self.revoked_at = None
        self.save(update_fields=["token", "token_digest", "revoked_at"])
        return self.token


class OutgoingEmail(models.Model):
    """Every e-mail is a row first, written in the transaction of the change that caused it,
    then sent by crm.tasks.send_email. (event_key, recipient) is unique: a second
    notification about the same event to the same person cannot exist."""

    class Status(models.TextChoices):
        PENDING = "pending", "Ожидает отправки"
        SENDING = "sending", "Отправляется"
        SENT = "sent", "Отправлено"
        FAILED = "failed", "Ошибка"

    event_key = models.CharField("событие", max_length=200)
    recipient = models.EmailField("кому", max_length=254)
    reply_to = models.EmailField("ответ на адрес", max_length=254, blank=True)
    template = models.CharField("шаблон", max_length=100, db_index=True)
    subject = models.CharField("тема", max_length=255)
    body_text = models.TextField("текст")
    body_html = models.TextField("HTML", blank=True)
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    # An e-mail written to several people at once (a manager to a client's contacts): the
    # others in To besides `recipient`, one address a line.
    also_to = models.TextField("ещё получатели", blank=True)
    # From with the writer's name, In-Reply-To, References: what threads a conversation.
    headers = models.JSONField("заголовки", default=dict, blank=True)
    status = models.CharField(
        "статус", max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField("попыток", default=0)
    last_error = models.TextField("последняя ошибка", blank=True)
    created_at = models.DateTimeField("создано", default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField("следующая попытка", default=timezone.now)
    claimed_at = models.DateTimeField("взято в отправку", null=True, blank=True)
    sent_at = models.DateTimeField("отправлено", null=True, blank=True)

    class Meta:
        verbose_name = "исходящее письмо"
        verbose_name_plural = "исходящие письма"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"], name="outgoingemail_event_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outgoingemail_due"),
        ]

    def __str__(self):
        return f"{self.recipient}: {self.subject}"


class OutgoingEmailAttachment(models.Model):
    """Kept in the database with the e-mail, so that a retry days later sends the same bytes
    and a rolled-back transaction leaves no orphan file behind."""

    email = models.ForeignKey(OutgoingEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField("имя файла", max_length=255)
    mimetype = models.CharField("тип", max_length=100)
    content = models.BinaryField("содержимое")

    class Meta:
        verbose_name = "вложение"
        verbose_name_plural = "вложения"
        ordering = ["pk"]

    def __str__(self):
        return self.filename


def stored_pdf_upload_to(instance, filename: str) -> str:
    # A random folder: the file's address cannot be guessed even where media is served.
    meta = instance._meta
    return f"pdf/{meta.app_label}/{meta.model_name}/{secrets.token_urlsafe(16)}/{filename}"


class Annullable(models.Model):
    """A numbered document that is never deleted: it is annulled, keeping its number, with
    who, when and why."""

    annulled_at = models.DateTimeField("аннулирован", null=True, blank=True)
    annulled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="аннулировал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    annul_reason = models.CharField("причина аннулирования", max_length=500, blank=True)

    class Meta:
        abstract = True


class StoredPdf(models.Model):
    """A client document whose PDF is rendered by a worker and kept: the client page and the
    deal card offer the stored file, and nobody waits for WeasyPrint on a request. The
    concrete model implements `pdf_html()` (the same partial as its page) and
    `pdf_filename()`, and may list media it embeds in `pdf_media()`."""

    pdf = models.FileField("PDF", upload_to=stored_pdf_upload_to, blank=True, max_length=300)
    pdf_sha256 = models.CharField("SHA-256 PDF", max_length=64, blank=True)
    pdf_rendered_at = models.DateTimeField("PDF подготовлен", null=True, blank=True)

    class Meta:
        abstract = True

    def pdf_html(self) -> str:
        raise NotImplementedError

    def pdf_filename(self) -> str:
        raise NotImplementedError

    def pdf_media(self) -> list[str]:
        return []

    @property
    def pdf_ready(self) -> bool:
        return bool(self.pdf) and bool(self.pdf_sha256)


class ClientAcceptance(StoredPdf):
    """A StoredPdf document the client accepts by its link (a contract, an act): who, when,
    from where, and the SHA-256 of the very PDF they accepted, a copy of which is kept in
    accepted_pdf. crm.acceptance records it and has the stored PDF rendered again with the
    record on it."""

    accepted_at = models.DateTimeField("принят клиентом", null=True, blank=True)
    accepted_name = models.CharField("ФИО принявшего", max_length=200, blank=True)
    accepted_ip = models.CharField("IP принявшего", max_length=64, blank=True)
    accepted_user_agent = models.CharField("браузер принявшего", max_length=500, blank=True)
    accepted_pdf_sha256 = models.CharField("SHA-256 принятого PDF", max_length=64, blank=True)
    accepted_pdf = models.FileField(
        "принятый PDF (без отметки)",
        upload_to=stored_pdf_upload_to,
        blank=True,
        max_length=300,
        editable=False,
    )

    class Meta:
        abstract = True

    @property
    def pdf_ready(self) -> bool:
        """Once accepted, the stored PDF is current only after the worker has stamped the
        acceptance onto it; until then it is still the accepted original."""
        if self.accepted_at is not None and self.pdf_sha256 == self.accepted_pdf_sha256:
            return False
        return super().pdf_ready

    @property
    def acceptance_record(self) -> list[tuple[str, str]]:
        """(label, value) lines of the acceptance: name, time, IP, browser, PDF hash."""
        from .acceptance import acceptance_lines

        return acceptance_lines(self)


class Notification(models.Model):
    """One line of a person's notification centre (the bell). The apps name their events in
    crm.notifications; this row keeps only the event's code. Written only through
    crm.notifications.notify(): (user, dedupe_key) is unique, so one event reaches one
    person once however often its cause repeats."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кому",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField("событие", max_length=50)
    text = models.CharField("текст", max_length=500)
    url = models.CharField("ссылка", max_length=500, blank=True)
    created_at = models.DateTimeField("создано", default=timezone.now)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    dedupe_key = models.CharField("ключ события", max_length=200, null=True, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], name="notification_once_per_person"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_newest"),
            # The bell counts a person's unread ones on every page and every poll.
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["user", "event", "created_at"], name="notification_user_event"),
        ]

    def __str__(self):
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How a person wants one event: in the app only, or in the app and by e-mail. No row
    means the event's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="пользователь",
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event = models.CharField("событие", max_length=50)
    email = models.BooleanField("и по почте", default=False)

    class Meta:
        verbose_name = "настройка уведомлений"
        verbose_name_plural = "настройки уведомлений"
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notification_pref_once"),
        ]

    def __str__(self):
        return f"{self.user}: {self.event}"


class ApiToken(models.Model):
    """A personal key to the REST API (/api/v1/), created and revoked by its owner on «Мой
    профиль». Only its SHA-256 is kept: the key itself is shown once, when it is made. Whoever
    holds it acts as the owner, with the owner's rights."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="владелец",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField("название", max_length=100)
    # The first characters, shown in the list so the owner can tell keys apart.
    prefix = models.CharField("начало ключа", max_length=12)
    digest = models.CharField("SHA-256 ключа", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("создан", default=timezone.now)
    last_used_at = models.DateTimeField("последнее использование", null=True, blank=True)
    revoked_at = models.DateTimeField("отозван", null=True, blank=True)

    class Meta:
        verbose_name = "токен API"
        verbose_name_plural = "токены API"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """An address of another system (1С, telephony, the website, a messenger bot) that is
    sent the chosen events of the CRM as signed JSON. Registered by the head of sales."""

    url = models.URLField("адрес", max_length=1000)
    description = models.CharField("для чего", max_length=200, blank=True)
    secret = models.CharField(
        "секрет подписи",
        max_length=100,
        default=new_webhook_secret,
        help_text="Получатель проверяет им подпись X-CRM-Signature каждого запроса.",
    )
    events = models.JSONField("события", default=list)
    active = models.BooleanField("включён", default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто добавил",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("добавлен", default=timezone.now)
    # The first failure of the current run of failures; cleared by a success.
    failing_since = models.DateTimeField("ошибки с", null=True, blank=True)
    disabled_at = models.DateTimeField("отключён", null=True, blank=True)
    disabled_reason = models.CharField("почему отключён", max_length=300, blank=True)

    class Meta:
        verbose_name = "вебхук"
        verbose_name_plural = "вебхуки"
        ordering = ["pk"]

    def __str__(self):
        return self.url

    def get_absolute_url(self):
        return reverse("webhooks:detail", args=[self.pk])


class WebhookDelivery(models.Model):
    """One event for one endpoint: stored in the transaction of the change it reports, then
    sent by a worker, retried with a growing pause until it is accepted or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", "Ждёт отправки"
        SENDING = "sending", "Отправляется"
        SENT = "sent", "Доставлено"
        FAILED = "failed", "Не доставлено"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField("событие", max_length=50)
    # The event's id: the same for every attempt, so a receiver can drop a repeat.
    event_id = models.CharField("id события", max_length=64, db_index=True)
    body = models.TextField("тело запроса")
    status = models.CharField(
        "статус", max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField("попыток", default=0)
    created_at = models.DateTimeField("создано", default=timezone.now)
    next_attempt_at = models.DateTimeField("следующая попытка", default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField("последняя попытка", null=True, blank=True)
    response_code = models.PositiveSmallIntegerField("код ответа", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("время ответа, мс", null=True, blank=True)
    last_error = models.CharField("ошибка", max_length=500, blank=True)
    delivered_at = models.DateTimeField("доставлено", null=True, blank=True)

    class Meta:
        verbose_name = "доставка вебхука"
        verbose_name_plural = "доставки вебхуков"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id}"
