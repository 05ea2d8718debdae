import datetime
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from crm.formats import date_long
from crm.models import (
    Annullable,
    ClientAcceptance,
    PublicLink,
    StoredPdf,
    TimeStampedModel,
)
from crm.numbering import protect_fixed
from deals.models import Deal


class QuestionKind(models.TextChoices):
    SHORT = "short", "Короткий текст"
    LONG = "long", "Длинный текст"
    NUMBER = "number", "Число"
    DATE = "date", "Дата"
    CHOICE = "choice", "Один вариант"
    MULTI = "multi", "Несколько вариантов"
    YESNO = "yesno", "Да / нет"
    FILE = "file", "Файл"


CHOICE_KINDS = {QuestionKind.CHOICE, QuestionKind.MULTI}


class QuestionnaireTemplate(TimeStampedModel):
    """A questionnaire the admin prepares once; the manager creates copies of it in deals."""

    title = models.CharField("название", max_length=200)
    intro = models.TextField(
        "вступление", blank=True, help_text="Текст над вопросами: что это и зачем."
    )
    active = models.BooleanField("доступен менеджерам", default=True)

    class Meta:
        verbose_name = "шаблон анкеты"
        verbose_name_plural = "шаблоны анкет"
        ordering = ["title", "pk"]

    def __str__(self):
        return self.title


class BaseQuestion(models.Model):
    order = models.PositiveIntegerField("порядок", default=0)
    kind = models.CharField("тип", max_length=10, choices=QuestionKind, default=QuestionKind.SHORT)
    text = models.CharField("вопрос", max_length=500)
    help_text = models.CharField("подсказка", max_length=500, blank=True)
    required = models.BooleanField("обязательный", default=False)
    choices = models.JSONField("варианты ответа", default=list, blank=True)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class TemplateQuestion(BaseQuestion):
    template = models.ForeignKey(
        QuestionnaireTemplate, on_delete=models.CASCADE, related_name="questions"
    )

    class Meta(BaseQuestion.Meta):
        verbose_name = "вопрос"
        verbose_name_plural = "вопросы"


class QuestionnaireQuerySet(models.QuerySet):
    def for_deal_card(self, deal):
        return (
            self.filter(deal=deal)
            .select_related("created_by")
            .prefetch_related("questions")
            .order_by("-created_at", "-pk")
        )


class Questionnaire(PublicLink, TimeStampedModel):
    """A copy of a template sent to the client of one deal; the answers live on its
    questions. Editing the template later changes nothing here."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="questionnaires")
    template = models.ForeignKey(
        QuestionnaireTemplate,
        verbose_name="шаблон",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField("название", max_length=200)
    intro = models.TextField("вступление", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    draft_saved_at = models.DateTimeField("черновик сохранён", null=True, blank=True)
    submitted_at = models.DateTimeField("заполнена", null=True, blank=True)

    public_url_name = "documents:questionnaire_public"

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = "анкета"
        verbose_name_plural = "анкеты"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title

    def link_deal(self) -> Deal:
        return self.deal

    def link_title(self) -> str:
        return f"анкету «{self.title}»"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def status_label(self) -> str:
        if self.is_submitted:
            return "Заполнена"
        if self.revoked_at is not None:
            return "Ссылка отозвана"
        if self.is_link_expired:
            return "Ссылка истекла"
        if self.draft_saved_at is not None:
            return "Клиент заполняет"
        if self.first_opened_at is not None:
            return "Открыта клиентом"
        return "Ожидает клиента"

    @property
    def status_color(self) -> str:
        if self.is_submitted:
            return "success"
        if not self.is_link_active:
            return "secondary"
        if self.first_opened_at is not None:
            return "info"
        return "warning"


def answer_upload_to(question: "Question", filename: str) -> str:
    # A random folder: file names are never guessable, even if media were served directly.
    now = timezone.now()
    return f"questionnaires/{now:%Y/%m}/{secrets.token_urlsafe(16)}/{filename}"


class Question(BaseQuestion):
    """A question as copied into one questionnaire, with the client's answer."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    answer = models.JSONField("ответ", null=True, blank=True)
    answer_file = models.FileField("файл", upload_to=answer_upload_to, blank=True, max_length=300)
    answer_file_name = models.CharField("имя файла", max_length=255, blank=True)

    class Meta(BaseQuestion.Meta):
        verbose_name = "вопрос анкеты"
        verbose_name_plural = "вопросы анкеты"

    @property
    def has_answer(self) -> bool:
        if self.kind == QuestionKind.FILE:
            return bool(self.answer_file)
        return self.answer not in (None, "", [])

    def answer_display(self) -> str:
        """The answer as a person reads it: «12 500,5», «5 марта 2026 г.», «Да»."""
        if not self.has_answer:
            return ""
        value = self.answer
        match self.kind:
            case QuestionKind.FILE:
                return self.answer_file_name or self.answer_file.name.rsplit("/", 1)[-1]
            case QuestionKind.NUMBER:
                return _number_display(value)
            case QuestionKind.DATE:
                try:
                    return date_long(datetime.date.fromisoformat(value))
                except (TypeError, ValueError):
                    return str(value)
            case QuestionKind.YESNO:
                return "Да" if value else "Нет"
            case QuestionKind.MULTI:
                return ", ".join(str(v) for v in value)
        return str(value)


def _number_display(value) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    sign = "-" if number < 0 else ""
    text = format(abs(number).normalize(), "f")
    whole, _, frac = text.partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + "\u00a0".join(groups or ["0"]) + ("," + frac if frac else "")


# Document templates: the texts of proposals and contracts, with tags (see tags.py)


class DocumentTemplateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def of_kind(self, kind: str):
        return self.filter(kind=kind)


class DocumentTemplate(TimeStampedModel):
    """A proposal or contract text edited by the head of sales. The body is HTML cleaned
    with nh3 and holds tags like {{ client.inn }}; it is never run as a Django template."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "Коммерческое предложение"
        CONTRACT = "contract", "Договор"

    name = models.CharField("название", max_length=200)
    kind = models.CharField("вид документа", max_length=16, choices=Kind)
    body = models.TextField("текст")
    is_default = models.BooleanField(
        "по умолчанию",
        default=False,
        help_text="Предлагается первым, когда менеджер создаёт документ этого вида.",
    )
    active = models.BooleanField(
        "используется", default=True, help_text="Снимите, чтобы скрыть шаблон из выбора."
    )
    # Set on the templates that ship with the product, so loading them again adds nothing.
    code = models.SlugField("код поставки", max_length=50, blank=True, editable=False)

    objects = DocumentTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = "шаблон документа"
        verbose_name_plural = "шаблоны документов"
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_default=True), name="documenttemplate_one_default"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="documenttemplate_code_unique"
            ),
        ]

    def __str__(self):
        return self.name

    def validate_constraints(self, exclude=None):
        # Marking a template as the default is allowed while another one is: template_save()
        # moves the mark. The database constraint still holds one default per kind.
        exclude = {*(exclude or ()), "is_default"}
        super().validate_constraints(exclude=exclude)


# Proposals and contracts: documents filled from a template and sent to the client by link


class ClientDocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(deal__in=Deal.objects.visible_to(user))

    def for_deal_card(self, deal):
        return (
            self.filter(deal=deal)
            .select_related("created_by", "sent_by", "template", "calculation")
            .order_by(*NEWEST_FIRST)
        )


# Drafts without a number first, then by number, the latest version first.
NEWEST_FIRST = (
    F("year").desc(nulls_first=True),
    F("sequence").desc(nulls_first=True),
    "-version",
    "-pk",
)


class ClientDocument(PublicLink, StoredPdf, Annullable, TimeStampedModel):
    """A proposal or a contract of one deal. Its body is a copy of the template's text that
    the manager may edit while it is a draft. Fixing it (by sending, or to copy the link)
    stores the filled HTML the client sees from then on, and its PDF is rendered from that
    very HTML; it also numbers and dates the document, from the counter of the year of that
    day (a draft has no number). A later change is a new version: the same number with
    «ред. 2», a new link; the earlier version stays readable, marked as replaced. A fixed
    document is never deleted: it is annulled, keeping its number."""

    KIND = ""  # "proposal" / "contract": the numbering and template kind
    NOUN = ""  # «коммерческое предложение», as it reads after «Клиент открыл …»
    SHORT = ""  # «КП», in file names
    WORDS: dict[str, str] = {}  # verbs in the noun's gender

    deal = models.ForeignKey(
        Deal, verbose_name="сделка", on_delete=protect_fixed, related_name="%(class)ss"
    )
    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name="шаблон",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField("год", null=True, blank=True)
    sequence = models.PositiveIntegerField("номер за год", null=True, blank=True)
    version = models.PositiveIntegerField("редакция", default=1)
    date = models.DateField("дата")
    calculation = models.ForeignKey(
        "billing.Calculation",
        verbose_name="расчёт",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField("текст с метками")
    sent_html = models.TextField("текст, который видит клиент", blank=True, editable=False)
    # The same text fixed at the same moment with the client's personal data masked: what
    # staff who may not see it are shown (deals.clients.access.may_see_personal_data).
    masked_html = models.TextField(
        "текст без персональных данных клиента", blank=True, editable=False
    )
    seller_logo = models.CharField("логотип", max_length=300, blank=True, editable=False)
    sent_at = models.DateTimeField("зафиксирован", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="зафиксировал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    replaced_at = models.DateTimeField("заменён новой редакцией", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ClientDocumentQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-year", "-sequence", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "sequence", "version"], name="%(app_label)s_%(class)s_number"
            ),
            # Only a draft may be without a number (a draft of a later version has the number
            # of the first).
            models.CheckConstraint(
                condition=Q(status="draft") | Q(year__isnull=False, sequence__isnull=False),
                name="%(app_label)s_%(class)s_numbered_unless_draft",
            ),
        ]

    def __str__(self):
        return self.title

    # What it is called

    @property
    def number_label(self) -> str:
        """«15», «15 (ред. 2)» for a later version of the same document, «без номера» for
        a draft that has none yet."""
        if self.sequence is None:
            return "без номера"
        return str(self.sequence) + (f" (ред. {self.version})" if self.version > 1 else "")

    @property
    def title(self) -> str:
        """«Коммерческое предложение № 15 от 5 марта 2026 г.»; a draft «Договор без номера
        (черновик)» or «Договор № 15 (ред. 2) (черновик)»."""
        text = self.link_title()
        return text[:1].upper() + text[1:]

    def link_deal(self) -> Deal:
        return self.deal

    def link_title(self) -> str:
        if self.is_draft:
            number = "без номера" if self.sequence is None else f"№ {self.number_label}"
            return f"{self.NOUN} {number} (черновик)"
        return f"{self.NOUN} № {self.number_label} от {date_long(self.date)}"

    def download_name(self, suffix: str = "") -> str:
        """«КП № 15 от 05.03.2026.pdf», the name the browser saves."""
        if self.sequence is None:
            return f"{self.SHORT} без номера{suffix}.pdf"
        number = str(self.sequence) + (f"-{self.version}" if self.version > 1 else "")
        if self.is_draft:
            return f"{self.SHORT} № {number}{suffix}.pdf"
        return f"{self.SHORT} № {number} от {self.date:%d.%m.%Y}{suffix}.pdf"

    # State

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_fixed(self) -> bool:
        return not self.is_draft

    @property
    def is_replaced(self) -> bool:
        return self.replaced_at is not None

    @property
    def is_annulled(self) -> bool:
        return self.status == self.Status.ANNULLED

    @property
    def awaits_client(self) -> bool:
        """Sent, not yet answered, not replaced: the client may accept it."""
        return self.status == self.Status.SENT and not self.is_replaced

    @property
    def status_color(self) -> str:
        if self.is_draft:
            return "secondary"
        if self.status == self.Status.ACCEPTED:
            return "success"
        if self.status == "declined":
            return "danger"
        if self.status == "annulled":
            return "dark"
        if self.is_replaced or not self.is_link_active:
            return "secondary"
        return "info" if self.first_opened_at else "warning"

    def fixed_html(self, *, personal: bool = True) -> SafeString | None:
        """The HTML fixed when the document was sent: render_document's output (the body
        cleaned by nh3 with escaped values), not text anybody typed as it is. With
        personal=False, the copy with the client's personal data masked; None when the
        document was fixed before such copies were kept."""
        if personal:
            return mark_safe(self.sent_html)  # noqa: S308
        if not self.masked_html:
            return None
        return mark_safe(self.masked_html)  # noqa: S308

    @property
    def has_personal_data(self) -> bool:
        """Whether the fixed text holds personal data of the client (it does, for all we
        know, when fixed before the masked copies)."""
        return self.is_fixed and self.masked_html != self.sent_html

    # Addresses on the deal card

    def staff_url(self, action: str) -> str:
        name = f"documents:{self.KIND}_{action}" if action else f"documents:{self.KIND}_detail"
        return reverse(name, args=[self.deal_id, self.pk])

    def get_absolute_url(self) -> str:
        return self.staff_url("")

    def card_url(self) -> str:
        return f"{reverse('deals:detail', args=[self.deal_id])}#{self.KIND}-{self.pk}"

    ACTIONS = (
        "edit",
        "finalize",
        "send",
        "revoke",
        "new_link",
        "new_version",
        "use_calculation",
        "pdf",
        "annul",
        "delete",
    )

    @cached_property
    def urls(self) -> dict[str, str]:
        """The staff actions on this document, for templates: {"send": "/deals/1/…", …}."""
        return {"detail": self.get_absolute_url()} | {a: self.staff_url(a) for a in self.ACTIONS}

    # PDF (crm.models.StoredPdf)

    def pdf_filename(self) -> str:
        suffix = f"-v{self.version}" if self.version > 1 else ""
        return f"{self.KIND}-{self.year}-{self.sequence}{suffix}.pdf"

    def pdf_html(self) -> str:
        from .rendering import pdf_page

        return pdf_page(self, self.fixed_html())

    def pdf_media(self) -> list[str]:
        from .rendering import media_names

        return media_names(self, self.sent_html)


class Proposal(ClientDocument):
    class Status(models.TextChoices):
        DRAFT = "draft", "Черновик"
        SENT = "sent", "Отправлено"
        ACCEPTED = "accepted", "Принято клиентом"
        DECLINED = "declined", "Отклонено клиентом"
        ANNULLED = "annulled", "Аннулировано"

    KIND = "proposal"
    NOUN = "коммерческое предложение"
    SHORT = "КП"
    WORDS = {
        "created": "создано",
        "fixed": "зафиксировано",
        "replaced": "заменено",
        "annulled": "аннулировано",
        "draft_of": "черновик коммерческого предложения",
    }

    status = models.CharField(
        "статус", max_length=16, choices=Status, default=Status.DRAFT, db_index=True
    )
    responded_at = models.DateTimeField("ответ клиента", null=True, blank=True)
    response_comment = models.TextField("комментарий клиента", blank=True)
    response_ip = models.CharField("IP клиента", max_length=64, blank=True)
    response_user_agent = models.CharField("браузер клиента", max_length=500, blank=True)

    public_url_name = "documents:proposal_public"

    class Meta(ClientDocument.Meta):
        verbose_name = "коммерческое предложение"
        verbose_name_plural = "коммерческие предложения"


class Contract(ClientAcceptance, ClientDocument):
    """The client accepts it by its link (crm.models.ClientAcceptance keeps the record)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Черновик"
        SENT = "sent", "Отправлен"
        ACCEPTED = "accepted", "Принят клиентом"
        ANNULLED = "annulled", "Аннулирован"

    KIND = "contract"
    NOUN = "договор"
    SHORT = "Договор"
    WORDS = {
        "created": "создан",
        "fixed": "зафиксирован",
        "replaced": "заменён",
        "annulled": "аннулирован",
        "draft_of": "черновик договора",
    }

    status = models.CharField(
        "статус", max_length=16, choices=Status, default=Status.DRAFT, db_index=True
    )

    public_url_name = "documents:contract_public"

    class Meta(ClientDocument.Meta):
        verbose_name = "договор"
        verbose_name_plural = "договоры"

    @property
    def is_accepted(self) -> bool:
        return self.status == self.Status.ACCEPTED

    @classmethod
    def invoice_bases(cls, deal) -> list[str]:
        """The deal's accepted contracts, newest first, as an invoice's «Основание»
        (billing.bases): «Договор № 15 от 5 марта 2026 г.». One query."""
        accepted = cls.objects.filter(deal=deal, status=cls.Status.ACCEPTED)
        return [contract.title for contract in accepted.order_by("-accepted_at", "-pk")]
