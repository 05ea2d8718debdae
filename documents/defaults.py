"""The templates that ship with the product, so the workflow works on a fresh install.
Loaded by a data migration and by the demo; loading again adds only what is missing."""

from pathlib import Path

from .sanitize import clean_html

TEXTS = Path(__file__).resolve().parent / "default_templates"

# code, kind, name, file, default for its kind
SHIPPED = [
    ("proposal-services", "proposal", "Коммерческое предложение", "proposal_services.html", True),
    ("contract-services", "contract", "Договор оказания услуг", "contract_services.html", True),
    ("contract-supply", "contract", "Договор поставки", "contract_supply.html", False),
]


def default_body(filename: str) -> str:
    return clean_html((TEXTS / filename).read_text(encoding="utf-8"))


def load_default_templates(model) -> int:
    """Create the shipped templates that do not exist yet (by code). `model` is
    DocumentTemplate or its historical version in a migration. Returns how many."""
    created = 0
    for code, kind, name, filename, is_default in SHIPPED:
        if model.objects.filter(code=code).exists():
            continue
        default = is_default and not model.objects.filter(kind=kind, is_default=True).exists()
        model.objects.create(
            code=code, kind=kind, name=name, body=default_body(filename), is_default=default
        )
        created += 1
    return created
