import datetime
import re

from django import forms
from django.contrib.auth import get_user_model

from deals.models import Source

from .funnel import Period

MAX_RANGE_DAYS = 3 * 366
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class FunnelFilterForm(forms.Form):
    """Period, manager and source of the funnel report. A manager can only pick themselves."""

    month = forms.CharField(required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(
        label="С", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="По", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    manager = ManagerChoiceField(
        label="Менеджер",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Все менеджеры",
        error_messages={
            "invalid_choice": "Такого менеджера нет в списке: вы можете смотреть только "
            "доступные вам сделки."
        },
    )
    source = forms.ChoiceField(
        label="Источник", required=False, choices=[("", "Все источники"), *Source.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        users = get_user_model().objects.filter(is_active=True)
        if user.is_head:
            self.fields["manager"].queryset = users.order_by("first_name", "last_name", "username")
        else:
            self.fields["manager"].queryset = users.filter(pk=user.pk)
            self.fields["manager"].empty_label = None
        for name in ("date_from", "date_to", "manager", "source"):
            css = "form-select" if name in ("manager", "source") else "form-control"
            self.fields[name].widget.attrs["class"] = css

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        match = MONTH_RE.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError("Месяц указывается как ГГГГ-ММ, например 2026-03.")
        return Period.month_of(datetime.date(int(match.group(1)), int(match.group(2)), 1))

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from or date_to:
            if not date_from:
                self.add_error("date_from", "Укажите начало периода.")
            elif not date_to:
                self.add_error("date_to", "Укажите конец периода.")
            elif date_from > date_to:
                self.add_error("date_to", "Конец периода раньше начала.")
            elif (date_to - date_from).days >= MAX_RANGE_DAYS:
                self.add_error("date_to", "Период не может быть длиннее трёх лет.")
        return cleaned

    def period(self) -> Period:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("date_from") and data.get("date_to"):
            return Period(data["date_from"], data["date_to"])
        return data.get("month") or Period.current_month()

    def chosen_manager(self):
        return self.cleaned_data.get("manager") if self.is_valid() else None

    def chosen_source(self) -> str:
        return self.cleaned_data.get("source", "") if self.is_valid() else ""
