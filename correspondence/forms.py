from django import forms

from documents.editor import TemplateBodyWidget


class DealEmailForm(forms.Form):
    recipients = forms.MultipleChoiceField(
        label="Кому",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Выберите, кому отправить письмо."},
    )
    subject = forms.CharField(
        label="Тема",
        max_length=200,
        error_messages={"required": "Напишите тему письма."},
    )
    body = forms.CharField(
        label="Текст",
        widget=TemplateBodyWidget(attrs={"rows": 12}),
        required=False,
    )
    attachments = forms.MultipleChoiceField(
        label="Вложения", widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, recipients, attachable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = recipients
        self.fields["attachments"].choices = [(a.key, a.label) for a in attachable]
        self.attachable = {a.key: a for a in attachable}

    def clean_body(self) -> str:
        return self.cleaned_data["body"] or ""

    def chosen_attachments(self) -> list:
        return [self.attachable[k] for k in self.cleaned_data.get("attachments", [])]
