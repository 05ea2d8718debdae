from .defaults import load_default_templates
from .models import DocumentTemplate


def load(stdout):
    created = load_default_templates(DocumentTemplate)
    if created:
        stdout.write(f"Шаблоны документов: добавлено {created}")
