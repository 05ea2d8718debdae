from dataclasses import dataclass

import axes.admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from . import notifications
from .formats import plural
from .mail import email_resend
from .models import (
    ApiToken,
    Notification,
    OutgoingEmail,
    OutgoingEmailAttachment,
    User,
    WebhookEndpoint,
)

admin.site.site_header = "CRM: администрирование"
admin.site.site_title = "CRM"


@dataclass(frozen=True)
class Names:
    """A model's name where Russian declines it: after «Выберите» and «Добавить»
    (accusative), after 2–4 (`few`) and after 5 and more (`many`); `one` when the count of 1
    should read otherwise than verbose_name («1 банк», not «1 банк (справочник БИК)»)."""

    accusative: str
    few: str
    many: str
    one: str = ""


class ModelAdmin(admin.ModelAdmin):
    """The admin of every model of the project: its titles and counts agree in Russian
    («Выберите сделку для изменения», «Добавить сделку», «3 клиента»), which Django's own
    «Выберите %s», built on the nominative, cannot. Each admin sets `names`."""

    names: Names

    def changelist_view(self, request, extra_context=None):
        if IS_POPUP_VAR in request.GET:
            title = f"Выберите {self.names.accusative}"
        elif self.has_change_permission(request):
            title = f"Выберите {self.names.accusative} для изменения"
        else:
            title = f"Выберите {self.names.accusative} для просмотра"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            verb = "Добавить"
        elif self.has_change_permission(request):
            verb = "Изменить"
        else:
            verb = "Просмотреть"
        extra_context = {"title": f"{verb} {self.names.accusative}", **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def count_words(self, count: int) -> str:
        """«1 клиент», «3 клиента», «5 клиентов»."""
        one = self.names.one or str(self.opts.verbose_name)
        return f"{count} {plural(count, one, self.names.few, self.names.many)}"


class ReadOnlyAdmin(ModelAdmin):
    """Rows written by the product's own workflows (a history that reports are built on):
    the admin shows them and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ModelAdmin, BaseUserAdmin):
    names = Names("пользователя", "пользователя", "пользователей")
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("Роль в CRM", {"fields": ["role", "phone", "position", "email_signature"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        ("Роль в CRM", {"fields": ["role", "first_name", "last_name", "email"]}),
    ]


class OutgoingEmailAttachmentInline(admin.TabularInline):
    model = OutgoingEmailAttachment
    fields = ["filename", "mimetype", "size"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="размер, байт")
    def size(self, obj):
        return len(obj.content or b"")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ModelAdmin):
    names = Names("исходящее письмо", "исходящих письма", "исходящих писем")
    list_display = ["created_at", "recipient", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["recipient", "subject", "event_key"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["resend"]
    inlines = [OutgoingEmailAttachmentInline]
    fields = [
        "status",
        "recipient",
        "reply_to",
        "subject",
        "event_key",
        "template",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "message_id",
        "body_text",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Отправить повторно (письма с ошибкой или в очереди)")
    def resend(self, request, queryset):
        count = email_resend(emails=queryset)
        skipped = queryset.count() - count
        message = f"Поставлено в отправку писем: {count}."
        if skipped:
            message += f" Пропущено уже отправленных или отправляемых: {skipped}."
        self.message_user(request, message, messages.SUCCESS if count else messages.WARNING)


class EventFilter(admin.SimpleListFilter):
    title = "событие"
    parameter_name = "event"

    def lookups(self, request, model_admin):
        return [(event.code, event.label) for event in notifications.events()]

    def queryset(self, request, queryset):
        return queryset.filter(event=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    names = Names("уведомление", "уведомления", "уведомлений")
    list_display = ["created_at", "user", "event_label", "text", "read_at"]
    list_filter = [EventFilter, "created_at"]
    list_select_related = ["user"]
    search_fields = ["text", "user__username", "user__last_name"]
    fields = ["created_at", "user", "event_label", "text", "url", "read_at"]
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="событие", ordering="event")
    def event_label(self, obj):
        try:
            return notifications.get_event(obj.event).label
        except ValueError:
            return obj.event


# Third-party models, shown in the same Russian.

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ModelAdmin, BaseGroupAdmin):
    names = Names("группу", "группы", "групп")


for _model, _base, _names in [
    (
        AccessAttempt,
        axes.admin.AccessAttemptAdmin,
        Names(
            "запись о попытке доступа",
            "записи о попытках доступа",
            "записей о попытках доступа",
            one="запись о попытке доступа",
        ),
    ),
    (
        AccessLog,
        axes.admin.AccessLogAdmin,
        Names("запись о доступе", "записи о доступе", "записей о доступе", one="запись о доступе"),
    ),
    (
        AccessFailureLog,
        axes.admin.AccessFailureLogAdmin,
        Names("ошибку доступа", "ошибки доступа", "ошибок доступа", one="ошибка доступа"),
    ),
]:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
        admin.site.register(_model, type(_base.__name__, (ModelAdmin, _base), {"names": _names}))


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Personal API keys: made and revoked by their owners on «Мой профиль»; the key itself
    is nowhere, only the start of it."""

    names = Names("токен API", "токена API", "токенов API")
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "user__last_name", "prefix"]
    exclude = ["digest"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    """Set up on the head of sales' page «Вебхуки», with its delivery log."""

    names = Names("вебхук", "вебхука", "вебхуков")
    list_display = ["url", "description", "active", "owner", "failing_since", "disabled_at"]
    list_filter = ["active"]
    exclude = ["secret"]
