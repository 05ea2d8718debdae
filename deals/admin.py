from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import capfirst

from crm.admin import ModelAdmin, Names, ReadOnlyAdmin

from . import intake
from .forms import AnnulForm
from .models import (
    Comment,
    Deal,
    DealEvent,
    LeadRequest,
    LeadSource,
    LossReason,
    Stage,
    StageAutomation,
    StageChange,
    Task,
)


class NumberedDocumentAdmin(ModelAdmin):
    """The admin of a numbered document of a deal (invoice, proposal, contract): a draft may
    be deleted, a fixed document never; it is annulled instead, with a reason, through
    `annul_document(document, by=, reason=)`, the app's own service."""

    actions = ["annul"]

    def annul_document(self, document, *, by, reason: str):
        raise NotImplementedError

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """The fixed documents among those chosen for deletion are listed as protected, so
        the admin deletes nothing and says which and why."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        fixed = [
            f"{capfirst(obj._meta.verbose_name)}: {obj} — не удаляется, его можно аннулировать"
            for obj in objs
            if not obj.is_draft
        ]
        if fixed:
            # The page names the documents and the reason, not a missing permission.
            return deleted, counts, set(), [*protected, *fixed]
        return deleted, counts, perms_needed, protected

    @admin.action(description="Аннулировать (с указанием причины)")
    def annul(self, request, queryset):
        applying = "apply" in request.POST
        form = AnnulForm(request.POST if applying else None)
        if not (applying and form.is_valid()):
            context = {
                **self.admin_site.each_context(request),
                "title": "Аннулировать",
                "opts": self.model._meta,
                "queryset": queryset,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/annul_selected.html", context)
        done = 0
        for document in queryset:
            try:
                self.annul_document(document, by=request.user, reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{document}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"Аннулировано документов: {done}.", messages.SUCCESS)
        return None


@admin.register(Stage)
class StageAdmin(ModelAdmin):
    names = Names("этап", "этапа", "этапов")
    list_display = ["name", "order", "kind"]
    list_editable = ["order", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(StageAutomation)
class StageAutomationAdmin(ModelAdmin):
    """One row: the stage each business event moves a deal to."""

    names = Names(
        "переходы этапов по событиям",
        "набора переходов",
        "наборов переходов",
        one="набор переходов",
    )
    fields = ["proposal_accepted_stage", "contract_accepted_stage", "invoice_paid_stage"]
    list_display = ["title", *fields]

    @admin.display(description="настройка")
    def title(self, obj):
        return str(obj)

    def has_add_permission(self, request):
        return not StageAutomation.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LossReason)
class LossReasonAdmin(ModelAdmin):
    names = Names("причину отказа", "причины отказа", "причин отказа")
    list_display = ["name", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["text", "kind", "assignee", "due_at", "done_at", "result"]
    autocomplete_fields = ["assignee"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    fields = ["at", "from_stage", "to_stage", "loss_reason", "by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deal)
class DealAdmin(ModelAdmin):
    names = Names("сделку", "сделки", "сделок")
    list_display = ["number", "title", "stage", "manager", "source", "budget", "created_at"]
    list_filter = ["stage", "source", "manager", "loss_reason", "created_at"]
    search_fields = ["title", "pk", "contacts__name", "contacts__phones__number"]
    list_select_related = ["stage", "manager"]
    autocomplete_fields = ["manager", "contacts", "client"]
    readonly_fields = ["created_at", "updated_at", "stage_changed_at", "closed_at"]
    inlines = [TaskInline, StageChangeInline]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description="№", ordering="pk")
    def number(self, obj):
        return obj.number

    def get_deleted_objects(self, objs, request):
        """A deal with a fixed (numbered) document is not deleted: its documents are listed
        as protected (crm.numbering.protect_fixed), and the page names them rather than a
        missing permission to delete them."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            perms_needed = set()
        # The deal's own history goes with it: read-only in the admin, it does not keep the
        # deal from being deleted.
        history = {str(StageChange._meta.verbose_name), str(DealEvent._meta.verbose_name)}
        return deleted, counts, {p for p in perms_needed if str(p) not in history}, protected


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    """The funnel report is built on this history: it is written only by stage moves."""

    names = Names("смену этапа", "смены этапа", "смен этапа")
    list_display = ["deal", "from_stage", "to_stage", "loss_reason", "by", "at"]
    list_filter = ["to_stage", "loss_reason", "at"]
    search_fields = ["deal__title", "deal__pk"]
    list_select_related = ["deal", "from_stage", "to_stage", "loss_reason", "by"]
    raw_id_fields = ["deal"]
    show_full_result_count = False


@admin.register(Task)
class TaskAdmin(ModelAdmin):
    names = Names("задачу", "задачи", "задач")
    list_display = ["text", "deal", "assignee", "kind", "due_at", "done_at"]
    list_filter = ["kind", "assignee", "done_at"]
    search_fields = ["text", "deal__title"]
    list_select_related = ["deal", "assignee"]
    raw_id_fields = ["deal"]


@admin.register(Comment)
class CommentAdmin(ModelAdmin):
    names = Names("комментарий", "комментария", "комментариев")
    list_display = ["deal", "author", "created_at", "text"]
    list_filter = ["author", "created_at"]
    search_fields = ["text", "deal__title"]
    list_select_related = ["deal", "author"]
    raw_id_fields = ["deal"]


@admin.register(DealEvent)
class DealEventAdmin(ReadOnlyAdmin):
    """The deal timeline, written by the workflows (the funnel report reads it)."""

    names = Names("событие сделки", "события сделок", "событий сделок")
    list_display = ["deal", "actor", "at", "text"]
    list_filter = ["at"]
    search_fields = ["text", "deal__title"]
    list_select_related = ["deal", "actor"]
    raw_id_fields = ["deal"]


@admin.register(LeadSource)
class LeadSourceAdmin(ModelAdmin):
    names = Names("сайт (источник заявок)", "сайта", "сайтов", one="сайт")
    list_display = ["name", "site_url", "routing", "manager", "first_task_minutes", "active"]
    list_filter = ["active", "routing", "manager"]
    search_fields = ["name", "site_url"]
    readonly_fields = ["last_assigned", "form_snippet"]
    filter_horizontal = ["pool"]
    fieldsets = [
        (None, {"fields": ["name", "site_url", "thanks_url", "active", "key", "form_snippet"]}),
        (
            "Кому и когда",
            {
                "fields": [
                    "routing",
                    "manager",
                    "pool",
                    "last_assigned",
                    "first_task_minutes",
                    "work_hours",
                    "work_days",
                    "attach_repeat_leads",
                ],
                "description": "Каждая новая заявка становится сделкой ответственного с "
                "задачей «Связаться с клиентом», и ему сразу приходит письмо.",
            },
        ),
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "pool":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="HTML-форма для сайта")
    def form_snippet(self, obj):
        if not obj.pk:
            return "Появится после сохранения."
        from django.conf import settings

        snippet = (
            f'<form method="post" action="{settings.SITE_URL}/api/leads/">\n'
            f'  <input type="hidden" name="key" value="{obj.key}">\n'
            '  <input name="name" placeholder="Имя">\n'
            '  <input name="phone" type="tel" placeholder="Телефон">\n'
            '  <input name="email" type="email" placeholder="E-mail">\n'
            '  <textarea name="message" placeholder="Сообщение"></textarea>\n'
            '  <input name="website" style="display:none" tabindex="-1" autocomplete="off">\n'
            '  <button type="submit">Отправить</button>\n'
            "</form>"
        )
        return format_html("<pre>{}</pre>", snippet)


@admin.register(LeadRequest)
class LeadRequestAdmin(ModelAdmin):
    names = Names("заявку с сайта", "заявки с сайтов", "заявок с сайтов")
    list_display = ["received_at", "source", "status", "deal", "remote_addr"]
    list_filter = ["status", "source", "received_at"]
    search_fields = ["payload", "idempotency_key"]
    list_select_related = ["source", "deal"]
    readonly_fields = [
        "source",
        "received_at",
        "idempotency_key",
        "payload",
        "remote_addr",
        "status",
        "errors",
        "deal",
    ]
    actions = ["process_leads"]

    @admin.action(description="Создать сделки из отложенных заявок (без лимитов)")
    def process_leads(self, request, queryset):
        created = 0
        for lead_request in queryset.filter(status__in=intake.RETRIED).select_related("source"):
            try:
                intake.lead_retry(lead_request=lead_request)
            except Exception as exc:  # stored on the request as FAILED; say so and go on
                self.message_user(request, f"{lead_request}: {exc}", messages.ERROR)
            created += lead_request.status == lead_request.Status.CREATED
        self.message_user(request, f"Создано сделок: {created}.", messages.SUCCESS)
