from django.contrib import admin, messages

from crm.admin import ModelAdmin, Names, ReadOnlyAdmin

from . import services
from .models import DealEmail, IncomingMessage, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(ModelAdmin):
    names = Names("почтовый ящик", "почтовых ящика", "почтовых ящиков")
    list_display = ["name", "host", "username", "folder", "active", "last_polled_at", "last_error"]
    readonly_fields = ["from_settings", "uidvalidity", "last_uid", "last_polled_at", "last_error"]
    fieldsets = [
        (None, {"fields": ["name", "active", "address", "lead_source"]}),
        ("Подключение IMAP", {"fields": ["host", "port", "use_ssl", "username", "password"]}),
        ("Папки", {"fields": ["folder", "done_folder"]}),
        (
            "Состояние",
            {
                "fields": [
                    "from_settings",
                    "uidvalidity",
                    "last_uid",
                    "last_polled_at",
                    "last_error",
                ]
            },
        ),
    ]


@admin.register(IncomingMessage)
class IncomingMessageAdmin(ReadOnlyAdmin):
    """Every message taken from a mailbox; the unreadable and ignored ones with the reason."""

    names = Names("входящее письмо", "входящих письма", "входящих писем")

    list_display = ["received_at", "mailbox", "from_address", "subject", "status", "reason", "deal"]
    list_filter = ["status", "mailbox"]
    search_fields = ["from_address", "subject", "message_id"]
    readonly_fields = [
        "mailbox",
        "uidvalidity",
        "uid",
        "message_id",
        "size",
        "from_address",
        "subject",
        "received_at",
        "status",
        "reason",
        "deal",
        "processed_at",
        "seen_at",
    ]
    exclude = ["raw"]
    actions = ["process_again"]

    @admin.action(description="Разобрать ещё раз (письма со статусом «Не разобрано»)")
    def process_again(self, request, queryset):
        count = services.incoming_retry(messages=queryset)
        messages.info(request, f"Разобрано заново: {count}.")


@admin.register(DealEmail)
class DealEmailAdmin(ReadOnlyAdmin):
    names = Names("письмо сделки", "письма сделок", "писем сделок")
    list_display = ["at", "deal", "direction", "from_address", "to", "subject"]
    list_filter = ["direction"]
    search_fields = ["subject", "from_address", "to", "message_id"]
    exclude = ["body_html"]
