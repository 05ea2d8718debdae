from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .models import User
from .phones import InvalidPhone, normalize_phone


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


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Название ключа",
        max_length=100,
        help_text="Для чего ключ: «1С», «Телефония», «Сайт». Видно только вам.",
        error_messages={
            "required": "Назовите ключ: для какой системы он.",
            "max_length": "Название — до 100 знаков.",
        },
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Назовите ключ: для какой системы он.")
        return name


class WebhookEndpointForm(forms.ModelForm):
    """An endpoint of another system: its address and the events it is sent."""

    events = forms.MultipleChoiceField(
        label="События",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Выберите хотя бы одно событие."},
    )

    class Meta:
        from .models import WebhookEndpoint

        model = WebhookEndpoint
        fields = ["url", "description", "events"]
        labels = {"url": "Адрес (URL)"}
        help_texts = {
            "url": "https://… системы, которая принимает события. Во внутреннюю сеть и на "
            "localhost события не отправляются.",
            "description": "Например, «1С: выгрузка оплат» или «Телефония».",
        }
        error_messages = {"url": {"required": "Введите адрес.", "invalid": "Введите адрес URL."}}

    def __init__(self, *args, **kwargs):
        from .webhooks import EVENT_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["events"].choices = EVENT_CHOICES

    def clean_url(self) -> str:
        from .webhooks import check_url

        url = self.cleaned_data["url"].strip()
        check_url(url)
        return url
