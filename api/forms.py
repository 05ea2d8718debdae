"""The API validates what it is sent with the same Django forms as the pages: the form is
the one owner of each rule (a past due, a lost deal without a reason, a wrong ИНН), and its
Russian messages come back next to the field. The request schema is read off the same form,
so the documentation cannot drift from what is checked."""

from django import forms
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

FIELD_TYPES = [
    (
        forms.ModelMultipleChoiceField,
        lambda f: serializers.ListField(child=serializers.IntegerField()),
    ),
    (forms.ModelChoiceField, lambda f: serializers.IntegerField()),
    (forms.TypedChoiceField, lambda f: serializers.ChoiceField(choices=_choices(f))),
    (forms.ChoiceField, lambda f: serializers.ChoiceField(choices=_choices(f))),
    (forms.DateTimeField, lambda f: serializers.DateTimeField()),
    (forms.DateField, lambda f: serializers.DateField()),
    (
        forms.DecimalField,
        lambda f: serializers.DecimalField(
            max_digits=f.max_digits, decimal_places=f.decimal_places, coerce_to_string=False
        ),
    ),
    (forms.BooleanField, lambda f: serializers.BooleanField()),
    (forms.IntegerField, lambda f: serializers.IntegerField()),
    (forms.EmailField, lambda f: serializers.EmailField()),
    (forms.CharField, lambda f: serializers.CharField(allow_blank=not f.required)),
]


def _choices(field) -> list:
    return [str(value) for value, _ in field.choices if value != ""]


def _serializer_field(field: forms.Field, partial: bool) -> serializers.Field:
    for form_type, make in FIELD_TYPES:
        if isinstance(field, form_type):
            made = make(field)
            break
    else:
        made = serializers.CharField()
    made.required = field.required and not partial
    if not field.required and not isinstance(made, serializers.BooleanField):
        made.allow_null = True
    made.label = str(field.label or "")
    made.help_text = str(field.help_text or "") or None
    return made


def form_serializer(
    form_class, name: str, *, exclude=(), partial=False, extra: dict | None = None
) -> type[serializers.Serializer]:
    """A serializer describing the body the form accepts (for the schema only)."""
    attrs = {
        field_name: _serializer_field(field, partial)
        for field_name, field in form_class.base_fields.items()
        if field_name not in exclude
    }
    attrs.update(extra or {})
    return type(name, (serializers.Serializer,), attrs)


def form_data(data, *, initial: dict | None = None, lists: dict | None = None) -> dict:
    """What the form reads from a JSON body: `initial` (the object's stored values, for a
    PATCH) with the body over it; `lists` maps a list field of the API to the form's text
    field that holds one value a line (phones, e-mails)."""
    if not isinstance(data, dict):
        raise ValidationError({"__all__": ["Тело запроса — объект JSON с полями."]})
    merged = dict(initial or {})
    for key, value in data.items():
        if lists and key in lists:
            if not isinstance(value, list):
                raise ValidationError({key: ["Ожидается список строк."]})
            merged[lists[key]] = "\n".join(str(v) for v in value)
        elif value is None:
            merged[key] = ""
        elif isinstance(value, bool):
            merged[key] = "on" if value else ""
        elif isinstance(value, dict | list):
            raise ValidationError({key: ["Ожидается одно значение, а не объект или список."]})
        else:
            merged[key] = str(value)
    return merged


def form_errors(form, renames: dict | None = None) -> dict:
    renames = renames or {}
    return {renames.get(field, field): list(messages) for field, messages in form.errors.items()}


def valid_form(form, renames: dict | None = None):
    """The cleaned data, or a 400 with the form's messages under the API's field names."""
    if not form.is_valid():
        raise ValidationError(form_errors(form, renames))
    return form.cleaned_data
