import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import Contact
from .phones import InvalidPhone, normalize_phone

SPLIT_RE = re.compile(r"[,;\n]+")


def split_values(text: str) -> list[str]:
    return [part.strip() for part in SPLIT_RE.split(text or "") if part.strip()]


def clean_phones(text: str) -> list[str]:
    numbers, bad = [], []
    for raw in split_values(text):
        try:
            number = normalize_phone(raw)
        except InvalidPhone:
            bad.append(raw)
            continue
        if number not in numbers:
            numbers.append(number)
    if bad:
        raise ValidationError(
            "Не похоже на номер телефона: %(bad)s. Пример: +7 916 123-45-67.",
            params={"bad": ", ".join(bad)},
        )
    return numbers


def clean_emails(text: str) -> list[str]:
    emails, bad = [], []
    for raw in split_values(text):
        try:
            validate_email(raw)
        except ValidationError:
            bad.append(raw)
            continue
        if raw.lower() not in emails:
            emails.append(raw.lower())
    if bad:
        raise ValidationError("Неверный адрес e-mail: %(bad)s.", params={"bad": ", ".join(bad)})
    return emails


class ContactForm(forms.ModelForm):
    phones_text = forms.CharField(
        label="Телефоны",
        required=False,
        help_text="Через запятую или с новой строки.",
        widget=forms.TextInput(attrs={"placeholder": "+7 916 123-45-67"}),
    )
    emails_text = forms.CharField(
        label="E-mail",
        required=False,
        help_text="Через запятую или с новой строки.",
        widget=forms.TextInput(attrs={"placeholder": "ivan@example.ru"}),
    )
    create_anyway = forms.BooleanField(
        label="Всё равно создать новый контакт", required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Contact
        fields = ["name", "position", "phones_text", "emails_text", "messengers", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates = Contact.objects.none()
        if self.instance.pk and not self.is_bound:
            self.initial["phones_text"] = ", ".join(p.display for p in self.instance.phones.all())
            self.initial["emails_text"] = ", ".join(e.email for e in self.instance.emails.all())

    def clean_phones_text(self):
        return clean_phones(self.cleaned_data["phones_text"])

    def clean_emails_text(self):
        return clean_emails(self.cleaned_data["emails_text"])

    def clean(self):
        cleaned = super().clean()
        phones = cleaned.get("phones_text") or []
        emails = cleaned.get("emails_text") or []
        if self.errors:
            return cleaned
        found = Contact.objects.matching(phones=phones, emails=emails)
        if self.instance.pk:
            found = found.exclude(pk=self.instance.pk)
        if found.exists() and not cleaned.get("create_anyway") and not self.instance.pk:
            self.duplicates = found.prefetch_related("phones", "emails")[:5]
            # The next submit of the same form means "create anyway".
            self.data = self.data.copy()
            self.data["create_anyway"] = "on"
            raise ValidationError(
                "Контакт с таким телефоном или e-mail уже есть. Привяжите существующий "
                "или отправьте форму ещё раз, чтобы создать новый."
            )
        return cleaned
