from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags

from .editor import AdminTemplateBodyWidget, TemplateBodyWidget
from .models import DocumentTemplate
from .samples import KINDS
from .sanitize import clean_html
from .tags import TAGS, find_template_syntax, find_unknown_tags, suggest_tag

MAX_BODY_LENGTH = 500_000
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


def check_body(body: str) -> str:
    """The body cleaned with nh3, or a ValidationError naming every unknown tag."""
    if len(body or "") > MAX_BODY_LENGTH:
        raise ValidationError("Текст слишком длинный: сократите его или разделите на два шаблона.")
    body = clean_html(body)
    if not strip_tags(body).strip():
        raise ValidationError("Напишите текст шаблона.")
    errors = []
    for written in find_unknown_tags(body):
        if written in TAGS:
            # A known name that formatting split in two: {{ <strong>client</strong>.inn }}.
            message = (
                f"Метка {{{{ {written} }}}} разбита оформлением: выделите её целиком и задайте "
                "одно оформление или вставьте метку заново из списка."
            )
        else:
            message = f"Неизвестная метка {{{{ {written} }}}}."
            if suggestion := suggest_tag(written):
                message += f" Возможно, имелась в виду {{{{ {suggestion} }}}}."
        errors.append(message)
    for construct in find_template_syntax(body):
        errors.append(
            f"Конструкция {construct} не поддерживается: в тексте можно использовать только "
            "метки из списка, например {{ client.inn }}."
        )
    if errors:
        raise ValidationError(errors)
    return body


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["name", "kind", "body", "is_default", "active"]
        widgets = {"body": TemplateBodyWidget}
        error_messages = {
            "name": {"required": "Назовите шаблон."},
            "kind": {"required": "Выберите вид документа."},
            "body": {"required": "Напишите текст шаблона."},
        }

    def clean_body(self):
        return check_body(self.cleaned_data["body"])


class DocumentTemplateAdminForm(DocumentTemplateForm):
    class Meta(DocumentTemplateForm.Meta):
        widgets = {"body": AdminTemplateBodyWidget}


class PreviewForm(forms.Form):
    """The text to preview (unsaved, from the editor) and the client's legal form."""

    body = forms.CharField(required=False)
    client_kind = forms.ChoiceField(choices=list(KINDS.items()), required=False)


class TemplateImageForm(forms.Form):
    image = forms.ImageField(
        error_messages={
            "required": "Выберите файл изображения.",
            "invalid_image": "Это не изображение: загрузите PNG, JPEG, GIF или WebP.",
        }
    )

    def clean_image(self):
        image = self.cleaned_data["image"]
        limit = settings.DOCUMENT_IMAGE_MAX_MB * 1024 * 1024
        if image.size > limit:
            raise ValidationError(
                f"Файл больше {settings.DOCUMENT_IMAGE_MAX_MB} МБ: уменьшите изображение."
            )
        # ImageField has let Pillow open the file; only raster formats a browser and a PDF
        # renderer show the same way pass (no SVG, which can carry scripts).
        if getattr(image, "image", None) is None or image.image.format not in IMAGE_FORMATS:
            raise ValidationError("Загрузите изображение в формате PNG, JPEG, GIF или WebP.")
        return image
