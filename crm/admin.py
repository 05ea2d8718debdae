from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User

admin.site.site_header = "CRM: администрирование"
admin.site.site_title = "CRM"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("Роль в CRM", {"fields": ["role", "phone", "position"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        ("Роль в CRM", {"fields": ["role", "first_name", "last_name", "email"]}),
    ]
