from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .mail import email_resend
from .models import OutgoingEmail, OutgoingEmailAttachment, User

admin.site.site_header = "CRM: администрирование"
admin.site.site_title = "CRM"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "recipient",
        "subject",
        "template",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "template", "created_at"]
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
