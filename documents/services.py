from django.db import transaction

from .models import DocumentTemplate
from .sanitize import clean_html


@transaction.atomic
def template_save(*, template: DocumentTemplate) -> DocumentTemplate:
    """Save a template with its body cleaned; a new default of a kind replaces the old."""
    template.body = clean_html(template.body)
    if template.is_default:
        others = DocumentTemplate.objects.filter(kind=template.kind, is_default=True)
        if template.pk:
            others = others.exclude(pk=template.pk)
        others.update(is_default=False)
    template.save()
    return template
