from django.contrib import admin
from django.utils.html import format_html

from crm.admin import ModelAdmin, Names, ReadOnlyAdmin

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
    list_display = ["name", "site_url", "manager", "active", "key"]
    list_filter = ["active", "manager"]
    search_fields = ["name", "site_url"]
    readonly_fields = ["form_snippet"]
    fields = ["name", "site_url", "thanks_url", "manager", "active", "key", "form_snippet"]

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
