from django.contrib import admin

from .models import Client, Contact, ContactEmail, ContactPhone


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "client", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["name", "phones__number", "emails__email"]
    inlines = [ContactPhoneInline, ContactEmailInline]
    autocomplete_fields = ["client"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
