from django.contrib import admin
from django.db.models import Count

from crm.admin import ModelAdmin, Names
from deals.admin import NumberedDocumentAdmin

from . import services
from .forms import DocumentTemplateAdminForm, TemplateQuestionForm
from .models import (
    Contract,
    DocumentTemplate,
    Proposal,
    Question,
    Questionnaire,
    QuestionnaireTemplate,
    TemplateQuestion,
)
from .views import tag_palette


class TemplateQuestionInline(admin.TabularInline):
    model = TemplateQuestion
    form = TemplateQuestionForm
    extra = 1
    ordering = ["order", "pk"]


@admin.register(QuestionnaireTemplate)
class QuestionnaireTemplateAdmin(ModelAdmin):
    names = Names("шаблон анкеты", "шаблона анкеты", "шаблонов анкет")
    list_display = ["title", "active", "question_count", "updated_at"]
    list_filter = ["active"]
    search_fields = ["title"]
    fields = ["title", "intro", "active"]
    inlines = [TemplateQuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_total=Count("questions"))

    @admin.display(description="вопросов", ordering="question_total")
    def question_count(self, obj):
        return obj.question_total


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["order", "text", "kind", "required", "answer", "answer_file_name"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(ModelAdmin):
    names = Names("анкету", "анкеты", "анкет")
    list_display = ["title", "deal", "created_at", "open_count", "submitted_at", "revoked_at"]
    list_filter = ["created_at", "submitted_at"]
    search_fields = ["title", "deal__title", "deal__pk"]
    list_select_related = ["deal"]
    show_full_result_count = False
    fields = [
        "deal",
        "template",
        "title",
        "intro",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "first_opened_at",
        "last_opened_at",
        "open_count",
        "draft_saved_at",
        "submitted_at",
    ]
    readonly_fields = [
        "deal",
        "template",
        "created_by",
        "created_at",
        "revoked_at",
        "first_opened_at",
        "last_opened_at",
        "open_count",
        "draft_saved_at",
        "submitted_at",
    ]
    inlines = [QuestionInline]

    def has_add_permission(self, request):
        return False


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(ModelAdmin):
    names = Names("шаблон документа", "шаблона документа", "шаблонов документов")
    form = DocumentTemplateAdminForm
    list_display = ["name", "kind", "is_default", "active", "updated_at"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    change_form_template = "admin/documents/documenttemplate/change_form.html"

    def save_model(self, request, obj, form, change):
        services.template_save(template=obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "palette": tag_palette()}
        return super().changeform_view(request, object_id, form_url, extra_context)


class ClientDocumentAdmin(NumberedDocumentAdmin):
    """Proposals and contracts are made on the deal card; the admin shows them as they are.
    A draft may be deleted; a fixed document only annulled."""

    list_display = ["__str__", "deal", "status", "sent_at", "open_count", "replaced_at"]
    list_filter = ["status", "year"]
    search_fields = ["deal__title", "deal__pk", "sequence"]
    list_select_related = ["deal"]
    show_full_result_count = False
    readonly_fields = [
        "deal",
        "template",
        "year",
        "sequence",
        "version",
        "date",
        "calculation",
        "status",
        "sent_at",
        "sent_by",
        "replaced_at",
        "annulled_at",
        "annulled_by",
        "annul_reason",
        "created_by",
        "created_at",
        "first_opened_at",
        "last_opened_at",
        "open_count",
        "pdf",
        "pdf_sha256",
        "pdf_rendered_at",
    ]
    fields = [*readonly_fields, "expires_at", "revoked_at"]

    def has_add_permission(self, request):
        return False

    def annul_document(self, document, *, by, reason):
        services.document_annul(document=document, by=by, reason=reason)


@admin.register(Proposal)
class ProposalAdmin(ClientDocumentAdmin):
    names = Names(
        "коммерческое предложение", "коммерческих предложения", "коммерческих предложений"
    )
    readonly_fields = [
        *ClientDocumentAdmin.readonly_fields,
        "responded_at",
        "response_comment",
        "response_ip",
        "response_user_agent",
    ]
    fields = [*readonly_fields, "expires_at", "revoked_at"]


@admin.register(Contract)
class ContractAdmin(ClientDocumentAdmin):
    names = Names("договор", "договора", "договоров")
    readonly_fields = [
        *ClientDocumentAdmin.readonly_fields,
        "accepted_at",
        "accepted_name",
        "accepted_ip",
        "accepted_user_agent",
        "accepted_pdf_sha256",
    ]
    fields = [*readonly_fields, "expires_at", "revoked_at"]
