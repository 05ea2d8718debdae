import datetime
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm.formats import date_long
from crm.models import PublicLink, TimeStampedModel
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
