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


class TaskForm(forms.ModelForm):
    assignee = UserChoiceField(label="Исполнитель", queryset=active_users())

    class Meta:
        model = Task
        fields = ["text", "kind", "assignee", "due_at"]
        widgets = {"due_at": DateTimeLocalInput()}
        error_messages = {
            "text": {"required": "Опишите, что нужно сделать."},
            "due_at": {
                "required": "Укажите срок.",
                "invalid": "Введите дату и время срока, например 05.03.2026 10:00.",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_at"].input_formats = ["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M"]

    def clean_due_at(self):
        due = self.cleaned_data["due_at"]
        if due < timezone.now() - timedelta(minutes=5):
            raise forms.ValidationError("Срок уже прошёл: выберите время в будущем.")
        return due


class TaskCompleteForm(forms.Form):
    result = forms.CharField(
        label="Результат",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Опишите результат: что удалось сделать."},
    )


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
