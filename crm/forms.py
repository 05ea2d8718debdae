from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Неверное имя пользователя или пароль.",
        "inactive": "Эта учётная запись отключена.",
    }


BY_APP = "app"
BY_EMAIL = "email"
DELIVERY_CHOICES = [(BY_APP, "Только в приложении"), (BY_EMAIL, "В приложении и по почте")]


class NotificationPreferencesForm(forms.Form):
    """One choice per registered event: in the app only, or in the app and by e-mail."""

    def __init__(self, *args, events, initial_email: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for event in events:
            self.fields[event.code] = forms.ChoiceField(
                label=event.label,
                choices=DELIVERY_CHOICES,
                widget=forms.RadioSelect,
                initial=BY_EMAIL if initial_email[event.code] else BY_APP,
                error_messages={"required": "Выберите, как сообщать об этом событии."},
            )

    def email_choices(self) -> dict[str, bool]:
        return {code: value == BY_EMAIL for code, value in self.cleaned_data.items()}
