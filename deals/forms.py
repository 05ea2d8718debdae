from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from contacts.forms import clean_emails, clean_phones

from .models import Comment, Deal, LossReason, Source, Stage, Task

User = get_user_model()


def active_users():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DealForm(forms.ModelForm):
    manager = UserChoiceField(label="Ответственный", queryset=active_users())

    class Meta:
        model = Deal
        fields = ["title", "source", "manager", "budget", "description"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "title": forms.TextInput(attrs={"autofocus": True}),
        }
        error_messages = {"title": {"required": "Введите название сделки."}}

    def clean_budget(self):
        budget = self.cleaned_data.get("budget")
        if budget is not None and budget < 0:
            raise forms.ValidationError("Бюджет не может быть отрицательным.")
        return budget


class DealMoveForm(forms.Form):
    stage = forms.ModelChoiceField(label="Этап", queryset=Stage.objects.all(), empty_label=None)
    loss_reason = forms.ModelChoiceField(
        label="Причина отказа",
        queryset=LossReason.objects.filter(active=True),
        required=False,
    )
    comment = forms.CharField(
        label="Комментарий",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        stage = cleaned.get("stage")
        if stage is not None and stage.is_lost:
            if not cleaned.get("loss_reason"):
                self.add_error("loss_reason", "Укажите причину отказа.")
            if not (cleaned.get("comment") or "").strip():
                self.add_error("comment", "Опишите, почему сделка проиграна.")
        return cleaned


DUE_FORMATS = ["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M"]
DUE_INVALID = "Введите дату и время срока, например 05.03.2026 10:00."
DUE_PAST = "Срок уже прошёл: выберите время в будущем."


def _check_future(due):
    if due is not None and due < timezone.now() - timedelta(minutes=5):
        raise forms.ValidationError(DUE_PAST)
    return due


class TaskForm(forms.ModelForm):
    """A new task (its due offered by deals.schedule.default_due) or an edit of an open one,
    which may keep a due that has already passed."""

    assignee = UserChoiceField(label="Исполнитель", queryset=active_users())

    class Meta:
        model = Task
        fields = ["text", "kind", "assignee", "due_at"]
        widgets = {"due_at": DateTimeLocalInput()}
        error_messages = {
            "text": {"required": "Опишите, что нужно сделать."},
            "due_at": {"required": "Укажите срок.", "invalid": DUE_INVALID},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_at"].input_formats = DUE_FORMATS

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Опишите, что нужно сделать.")
        return text

    def clean_due_at(self):
        due = self.cleaned_data["due_at"]
        stored = self.instance.due_at if self.instance.pk else None
        # The field shows minutes: the stored due, seconds and all, is kept when untouched.
        if stored is not None and due == stored.replace(second=0, microsecond=0):
            return stored
        return _check_future(due)


class TaskCompleteForm(forms.Form):
    """The result of a task, and optionally the next task of the deal."""

    result = forms.CharField(
        label="Результат",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Опишите результат: что удалось сделать.",
            "max_length": "Результат — коротко, до 1000 символов.",
        },
    )
    next_text = forms.CharField(
        label="Следующая задача",
        max_length=500,
        required=False,
        help_text="Необязательно: что сделать дальше по сделке.",
    )
    next_kind = forms.ChoiceField(
        label="Тип", choices=Task.Kind.choices, initial=Task.Kind.CALL, required=False
    )
    next_due = forms.DateTimeField(
        label="Срок следующей задачи",
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=DUE_FORMATS,
        error_messages={"invalid": DUE_INVALID},
    )

    def clean_result(self):
        result = self.cleaned_data["result"].strip()
        if not result:
            raise forms.ValidationError("Опишите результат: что удалось сделать.")
        return result

    def clean(self):
        cleaned = super().clean()
        cleaned["next_text"] = (cleaned.get("next_text") or "").strip()
        cleaned["next_kind"] = cleaned.get("next_kind") or Task.Kind.CALL
        if cleaned["next_text"] and "next_due" not in self.errors:
            if cleaned.get("next_due") is None:
                self.add_error("next_due", "Укажите срок следующей задачи.")
            else:
                try:
                    _check_future(cleaned["next_due"])
                except forms.ValidationError as exc:
                    self.add_error("next_due", exc)
        return cleaned


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["text"]
        labels = {"text": ""}
        widgets = {
            "text": forms.Textarea(
                attrs={"rows": 2, "placeholder": "Комментарий, договорённость, текст заказа…"}
            )
        }
        error_messages = {"text": {"required": "Напишите текст комментария."}}

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Напишите текст комментария.")
        return text


class DealFilterForm(forms.Form):
    SORTS = [
        ("-created", "Сначала новые"),
        ("created", "Сначала старые"),
        ("-budget", "Бюджет: по убыванию"),
        ("budget", "Бюджет: по возрастанию"),
        ("title", "По названию"),
    ]
    q = forms.CharField(label="Поиск", required=False)
    stage = forms.ModelChoiceField(label="Этап", queryset=Stage.objects.all(), required=False)
    manager = UserChoiceField(label="Ответственный", queryset=active_users(), required=False)
    source = forms.ChoiceField(
        label="Источник", choices=[("", "— любой —"), *Source.choices], required=False
    )
    loss_reason = forms.ModelChoiceField(
        label="Причина отказа", queryset=LossReason.objects.all(), required=False
    )
    date_from = forms.DateField(
        label="Создана с", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="по", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    no_task = forms.BooleanField(label="Без открытой задачи", required=False)
    overdue = forms.BooleanField(label="С просроченной задачей", required=False)
    sort = forms.ChoiceField(label="Сортировка", choices=SORTS, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Конец периода раньше начала.")
        return cleaned


class LeadForm(forms.Form):
    """What a website may send to /api/leads/."""

    name = forms.CharField(label="Имя", max_length=200, required=False)
    phone = forms.CharField(label="Телефон", max_length=64, required=False)
    email = forms.CharField(label="E-mail", max_length=254, required=False)
    message = forms.CharField(label="Сообщение", max_length=10000, required=False)
    source_page = forms.CharField(label="Страница", max_length=1000, required=False)
    utm_source = forms.CharField(label="utm_source", max_length=200, required=False)
    utm_medium = forms.CharField(label="utm_medium", max_length=200, required=False)
    utm_campaign = forms.CharField(label="utm_campaign", max_length=200, required=False)

    def clean_phone(self):
        phones = clean_phones(self.cleaned_data["phone"])
        return phones[0] if phones else ""

    def clean_email(self):
        emails = clean_emails(self.cleaned_data["email"])
        return emails[0] if emails else ""

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("phone") and not cleaned.get("email"):
            raise forms.ValidationError("Укажите телефон или e-mail, чтобы мы могли ответить.")
        return cleaned


class AnnulForm(forms.Form):
    """Why a numbered document (invoice, proposal, contract) is annulled: kept with it and
    written in the deal timeline."""

    reason = forms.CharField(
        label="Причина",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Укажите причину аннулирования.",
            "max_length": "Причина — не длиннее 500 символов.",
        },
    )


class DocumentSendForm(forms.Form):
    """Send a client document's link to one of the deal's contact e-mails."""

    to = forms.ChoiceField(
        label="Кому",
        error_messages={
            "required": "Выберите адрес.",
            "invalid_choice": "Выберите адрес одного из контактных лиц сделки.",
        },
    )
    nonce = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def __init__(self, *args, recipients: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(e, e) for e in recipients]


class BoardFilterForm(forms.Form):
    """The board's filters; their cleaned data is what DealQuerySet.filtered reads."""

    manager = UserChoiceField(
        label="Ответственный",
        queryset=active_users(),
        required=False,
        empty_label="Все",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    source = forms.ChoiceField(
        label="Источник",
        choices=[("", "Все"), *Source.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    no_task = forms.BooleanField(
        label="Без задачи",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
