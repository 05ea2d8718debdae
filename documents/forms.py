import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags

from crm.fields import DateInput
from crm.forms import AcceptanceForm

from .editor import AdminTemplateBodyWidget, TemplateBodyWidget
from .models import (
    CHOICE_KINDS,
    DocumentTemplate,
    Question,
    QuestionKind,
    QuestionnaireTemplate,
    TemplateQuestion,
)
from .samples import KINDS
from .sanitize import clean_html
from .tags import TAGS, find_template_syntax, find_unknown_tags, suggest_tag, unlink_tags
from .uploads import ACCEPT_ATTR, validate_upload

YES, NO = "yes", "no"


class ChoicesField(forms.CharField):
    """Answer options typed one per line, stored as a list."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 30})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        lines = [line.strip() for line in (value or "").splitlines()]
        seen: list[str] = []
        for line in lines:
            if line and line not in seen:
                seen.append(line)
        return seen


class TemplateQuestionForm(forms.ModelForm):
    choices = ChoicesField(
        label="Варианты ответа",
        required=False,
        help_text="По одному в строке; только для вопросов с выбором.",
    )

    class Meta:
        model = TemplateQuestion
        fields = ["order", "text", "kind", "required", "help_text", "choices"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        choices = cleaned.get("choices") or []
        if kind in CHOICE_KINDS and len(choices) < 2:
            self.add_error("choices", "Для вопроса с выбором нужны хотя бы два варианта.")
        if kind not in CHOICE_KINDS:
            cleaned["choices"] = []
        return cleaned


class QuestionnaireCreateForm(forms.Form):
    template = forms.ModelChoiceField(
        label="Шаблон анкеты",
        queryset=QuestionnaireTemplate.objects.filter(active=True),
        empty_label=None,
        error_messages={
            "required": "Выберите шаблон анкеты.",
            "invalid_choice": "Такого шаблона нет — выберите из списка.",
        },
    )


def field_name(question: Question) -> str:
    return f"q{question.pk}"


class AnswerForm(forms.Form):
    """The client's answers. With final=False (a draft) nothing is required; the formats are
    checked either way. After is_valid() the fields without errors are in cleaned_data, so
    the valid part can be kept as a draft while the rest is corrected."""

    def __init__(self, *args, questions: list[Question], final: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.final = final
        for question in questions:
            required = question.required
            if question.kind == QuestionKind.FILE and question.answer_file:
                required = False  # answered in the draft; a new file would replace it
            self.fields[field_name(question)] = _field(question, required)

    def full_clean(self):
        if self.final:
            return super().full_clean()
        # A draft checks formats only; the fields stay marked required for the page.
        required = [field for field in self.fields.values() if field.required]
        for field in required:
            field.required = False
        try:
            super().full_clean()
        finally:
            for field in required:
                field.required = True

    def rows(self):
        return [(question, self[field_name(question)]) for question in self.questions]

    def valid_answers(self) -> dict[int, object]:
        """question pk → the value to store, for every valid non-file field."""
        answers = {}
        for question in self.questions:
            name = field_name(question)
            if question.kind == QuestionKind.FILE or name not in self.cleaned_data:
                continue
            answers[question.pk] = to_stored(question, self.cleaned_data[name])
        return answers

    def valid_files(self) -> dict[int, object]:
        return {
            question.pk: self.cleaned_data[field_name(question)]
            for question in self.questions
            if question.kind == QuestionKind.FILE and self.cleaned_data.get(field_name(question))
        }


def initial_answers(questions: list[Question]) -> dict[str, object]:
    initial = {}
    for question in questions:
        value = question.answer
        if value in (None, "", []):
            continue
        match question.kind:
            case QuestionKind.NUMBER:
                value = Decimal(str(value))
            case QuestionKind.DATE:
                value = datetime.date.fromisoformat(value)
            case QuestionKind.YESNO:
                value = YES if value else NO
        initial[field_name(question)] = value
    return initial


def to_stored(question: Question, value):
    """A cleaned form value as kept in Question.answer (JSON): str, list, bool or None."""
    if value in (None, "", []):
        return None
    match question.kind:
        case QuestionKind.NUMBER:
            return str(value)
        case QuestionKind.DATE:
            return value.isoformat()
        case QuestionKind.YESNO:
            return value == YES
        case QuestionKind.MULTI:
            return list(value)
    return value.strip() if isinstance(value, str) else value


def _field(question: Question, required: bool) -> forms.Field:
    common = {
        "label": question.text,
        "help_text": question.help_text,
        "required": required,
        "error_messages": {"required": "Ответьте на этот вопрос."},
    }
    choices = [(c, c) for c in question.choices]
    match question.kind:
        case QuestionKind.LONG:
            return forms.CharField(
                widget=forms.Textarea(attrs={"rows": 4}), max_length=10000, **common
            )
        case QuestionKind.NUMBER:
            common["error_messages"]["invalid"] = "Введите число, например 1500 или 12,5."
            return forms.DecimalField(
                max_digits=20,
                decimal_places=4,
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                **common,
            )
        case QuestionKind.DATE:
            common["error_messages"]["invalid"] = "Введите дату, например 05.03.2026."
            return forms.DateField(
                widget=DateInput(),
                input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"],
                **common,
            )
        case QuestionKind.CHOICE:
            common["error_messages"]["invalid_choice"] = "Выберите один из вариантов."
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        case QuestionKind.MULTI:
            common["error_messages"]["invalid_choice"] = "Выберите варианты из списка."
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        case QuestionKind.YESNO:
            common["error_messages"]["invalid_choice"] = "Ответьте «Да» или «Нет»."
            return forms.ChoiceField(
                choices=[(YES, "Да"), (NO, "Нет")], widget=forms.RadioSelect, **common
            )
        case QuestionKind.FILE:
            common["error_messages"]["required"] = "Приложите файл."
            common["error_messages"]["empty"] = "Файл пустой."
            return forms.FileField(
                widget=forms.FileInput(attrs={"accept": ACCEPT_ATTR}),
                validators=[validate_upload],
                max_length=255,
                **common,
            )
    return forms.CharField(max_length=500, **common)


MAX_BODY_LENGTH = 500_000
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


def check_body(body: str) -> str:
    """The body cleaned with nh3, or a ValidationError naming every unknown tag."""
    if len(body or "") > MAX_BODY_LENGTH:
        raise ValidationError("Текст слишком длинный: сократите его или разделите на два шаблона.")
    body = unlink_tags(clean_html(body))
    if not strip_tags(body).strip():
        raise ValidationError("Напишите текст шаблона.")
    errors = []
    for written in find_unknown_tags(body):
        if written in TAGS:
            # A known name that formatting split in two: {{ <strong>client</strong>.inn }}.
            message = (
                f"Метка {{{{ {written} }}}} разбита оформлением: выделите её целиком и задайте "
                "одно оформление или вставьте метку заново из списка."
            )
        else:
            message = f"Неизвестная метка {{{{ {written} }}}}."
            if suggestion := suggest_tag(written):
                message += f" Возможно, имелась в виду {{{{ {suggestion} }}}}."
        errors.append(message)
    for construct in find_template_syntax(body):
        errors.append(
            f"Конструкция {construct} не поддерживается: в тексте можно использовать только "
            "метки из списка, например {{ client.inn }}."
        )
    if errors:
        raise ValidationError(errors)
    return body


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["name", "kind", "body", "is_default", "active"]
        widgets = {"body": TemplateBodyWidget}
        error_messages = {
            "name": {"required": "Назовите шаблон."},
            "kind": {"required": "Выберите вид документа."},
            "body": {"required": "Напишите текст шаблона."},
        }

    def clean_body(self):
        return check_body(self.cleaned_data["body"])


class DocumentTemplateAdminForm(DocumentTemplateForm):
    class Meta(DocumentTemplateForm.Meta):
        widgets = {"body": AdminTemplateBodyWidget}


class PreviewForm(forms.Form):
    """The text to preview (unsaved, from the editor) and the client's legal form."""

    body = forms.CharField(required=False)
    client_kind = forms.ChoiceField(choices=list(KINDS.items()), required=False)


class TemplateImageForm(forms.Form):
    image = forms.ImageField(
        error_messages={
            "required": "Выберите файл изображения.",
            "invalid_image": "Это не изображение: загрузите PNG, JPEG, GIF или WebP.",
        }
    )

    def clean_image(self):
        image = self.cleaned_data["image"]
        limit = settings.DOCUMENT_IMAGE_MAX_MB * 1024 * 1024
        if image.size > limit:
            raise ValidationError(
                f"Файл больше {settings.DOCUMENT_IMAGE_MAX_MB} МБ: уменьшите изображение."
            )
        # ImageField has let Pillow open the file; only raster formats a browser and a PDF
        # renderer show the same way pass (no SVG, which can carry scripts).
        if getattr(image, "image", None) is None or image.image.format not in IMAGE_FORMATS:
            raise ValidationError("Загрузите изображение в формате PNG, JPEG, GIF или WebP.")
        return image


# Proposals and contracts


class DocumentCreateForm(forms.Form):
    """The template of a new proposal or contract: only active templates of that kind."""

    template = forms.ModelChoiceField(
        label="Шаблон",
        queryset=DocumentTemplate.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Выберите шаблон.",
            "invalid_choice": "Такого шаблона нет — выберите из списка.",
        },
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = DocumentTemplate.objects.active().of_kind(kind)


class DocumentBodyForm(forms.Form):
    """The text of one draft, in the same editor and with the same checks as templates."""

    body = forms.CharField(
        label="Текст документа",
        widget=TemplateBodyWidget,
        error_messages={"required": "Напишите текст документа."},
    )

    def clean_body(self):
        try:
            return check_body(self.cleaned_data["body"])
        except ValidationError as exc:
            messages = [m.replace("текст шаблона", "текст документа") for m in exc.messages]
            raise ValidationError(messages) from None


class ProposalResponseForm(forms.Form):
    """The client's answer to a proposal: accept, or decline with a comment."""

    ACCEPT, DECLINE = "accept", "decline"

    action = forms.ChoiceField(
        choices=[(ACCEPT, "Принять"), (DECLINE, "Отклонить")],
        error_messages={
            "required": "Нажмите «Принять предложение» или «Отклонить».",
            "invalid_choice": "Нажмите «Принять предложение» или «Отклонить».",
        },
    )
    comment = forms.CharField(
        label="Комментарий",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Если отклоняете, напишите, что не подошло: мы подготовим другое предложение.",
        error_messages={"max_length": "Слишком длинный комментарий: не больше 2000 знаков."},
    )

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["action"] == self.ACCEPT

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.DECLINE and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Напишите, почему предложение не подошло.")
        return cleaned


class ContractAcceptForm(AcceptanceForm):
    """«Согласен с условиями»: the client's full name and a ticked consent box."""

    consent = forms.BooleanField(
        label="Я прочитал(а) договор и согласен(на) с его условиями",
        error_messages={"required": "Подтвердите согласие с условиями договора."},
    )
