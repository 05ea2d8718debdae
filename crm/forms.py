from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import User
from .phones import InvalidPhone, normalize_phone


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Неверное имя пользователя или пароль.",
        "inactive": "Эта учётная запись отключена.",
    }


class ProfileForm(forms.ModelForm):
    """What clients see of a staff member: name, position, phone, e-mail, signature."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "position", "phone", "email", "email_signature"]
        labels = {"first_name": "Имя", "last_name": "Фамилия", "email": "E-mail"}
        help_texts = {
            "position": "Например, «Менеджер по работе с клиентами».",
            "phone": "Клиенты видят его в документах и на страницах по ссылкам.",
            "email": "Сюда приходят уведомления; клиенты отвечают на этот адрес.",
        }
        widgets = {"email_signature": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        self.fields["phone"].widget.attrs.update(
            {"type": "tel", "autocomplete": "tel", "placeholder": "+7 916 123-45-67"}
        )

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except InvalidPhone:
            raise forms.ValidationError(
                "Не похоже на номер телефона. Пример: +7 916 123-45-67."
            ) from None

    def clean_email_signature(self) -> str:
        # Plain text: trailing spaces and blank lines at the ends say nothing.
        lines = [line.rstrip() for line in self.cleaned_data["email_signature"].splitlines()]
        return "\n".join(lines).strip("\n")
