from django.db import models
from django.db.models import Q

from crm.models import TimeStampedModel

# Document templates: the texts of proposals and contracts, with tags (see tags.py)


class DocumentTemplateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def of_kind(self, kind: str):
        return self.filter(kind=kind)


class DocumentTemplate(TimeStampedModel):
    """A proposal or contract text edited by the head of sales. The body is HTML cleaned
    with nh3 and holds tags like {{ client.inn }}; it is never run as a Django template."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "Коммерческое предложение"
        CONTRACT = "contract", "Договор"

    name = models.CharField("название", max_length=200)
    kind = models.CharField("вид документа", max_length=16, choices=Kind)
    body = models.TextField("текст")
    is_default = models.BooleanField(
        "по умолчанию",
        default=False,
        help_text="Предлагается первым, когда менеджер создаёт документ этого вида.",
    )
    active = models.BooleanField(
        "используется", default=True, help_text="Снимите, чтобы скрыть шаблон из выбора."
    )
    # Set on the templates that ship with the product, so loading them again adds nothing.
    code = models.SlugField("код поставки", max_length=50, blank=True, editable=False)

    objects = DocumentTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = "шаблон документа"
        verbose_name_plural = "шаблоны документов"
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_default=True), name="documenttemplate_one_default"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="documenttemplate_code_unique"
            ),
        ]

    def __str__(self):
        return self.name

    def validate_constraints(self, exclude=None):
        # Marking a template as the default is allowed while another one is: template_save()
        # moves the mark. The database constraint still holds one default per kind.
        exclude = {*(exclude or ()), "is_default"}
        super().validate_constraints(exclude=exclude)
