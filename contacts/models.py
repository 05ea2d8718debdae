from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from crm.models import TimeStampedModel

from .phones import format_phone


class Client(TimeStampedModel):
    """The buyer: a legal entity, a sole proprietor or an individual."""

    class Kind(models.TextChoices):
        LEGAL = "legal", "Юридическое лицо"
        ENTREPRENEUR = "entrepreneur", "Индивидуальный предприниматель"
        PERSON = "person", "Физическое лицо"

    kind = models.CharField("тип", max_length=16, choices=Kind, default=Kind.LEGAL)
    name = models.CharField("наименование", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "клиент"
        verbose_name_plural = "клиенты"
        ordering = ["name"]

    def __str__(self):
        return self.name


class ContactQuerySet(models.QuerySet):
    def matching(self, *, phones=(), emails=()):
        """Contacts that share any of these phones (E.164) or e-mails."""
        q = Q(pk__in=[])
        if phones:
            q |= Exists(ContactPhone.objects.filter(contact=OuterRef("pk"), number__in=phones))
        if emails:
            lowered = [e.lower() for e in emails]
            q |= Exists(ContactEmail.objects.filter(contact=OuterRef("pk"), email__in=lowered))
        return self.filter(q)


class Contact(TimeStampedModel):
    """A contact person; the same person can serve several deals."""

    name = models.CharField("имя", max_length=200)
    position = models.CharField("должность", max_length=200, blank=True)
    messengers = models.CharField(
        "мессенджеры", max_length=300, blank=True, help_text="Telegram, WhatsApp, …"
    )
    note = models.TextField("заметка", blank=True)
    client = models.ForeignKey(
        Client,
        verbose_name="клиент",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = "контактное лицо"
        verbose_name_plural = "контактные лица"
        ordering = ["name"]

    def __str__(self):
        return self.name


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField("телефон (E.164)", max_length=20, db_index=True)

    class Meta:
        verbose_name = "телефон"
        verbose_name_plural = "телефоны"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="contact_phone_unique")
        ]

    def __str__(self):
        return format_phone(self.number)

    @property
    def display(self) -> str:
        return format_phone(self.number)


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField("e-mail", db_index=True)

    class Meta:
        verbose_name = "e-mail"
        verbose_name_plural = "e-mail"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "email"], name="contact_email_unique")
        ]

    def __str__(self):
        return self.email
