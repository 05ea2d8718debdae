from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Неверное имя пользователя или пароль.",
        "inactive": "Эта учётная запись отключена.",
    }


class AcceptanceForm(forms.Form):
    """The client accepts a document by its link (crm.acceptance): the full name, checked
    here, and a ticked consent box, which each document words for itself as `consent`."""

    full_name = forms.CharField(
        label="Фамилия, имя и отчество",
        max_length=200,
        help_text="Полностью, как в паспорте; для организации — того, кто её представляет.",
        error_messages={
            "required": "Введите фамилию, имя и отчество.",
            "max_length": "Слишком длинно: не больше 200 знаков.",
        },
    )

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if any(c.isdigit() for c in name):
            raise ValidationError("В ФИО не бывает цифр: проверьте, что написано.")
        words = name.split()
        if len(words) < 2 or not all(any(c.isalpha() for c in w) for w in words):
            raise ValidationError("Введите фамилию и имя полностью: Иванов Иван Иванович.")
        return name
