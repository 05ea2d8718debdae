from django.contrib import admin

from . import services
from .forms import DocumentTemplateAdminForm
from .models import DocumentTemplate
from .views import tag_palette


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
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
