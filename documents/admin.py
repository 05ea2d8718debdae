from django.contrib import admin
from django.db.models import Count

from .forms import TemplateQuestionForm
from .models import Question, Questionnaire, QuestionnaireTemplate, TemplateQuestion


class TemplateQuestionInline(admin.TabularInline):
    model = TemplateQuestion
    form = TemplateQuestionForm
    extra = 1
    ordering = ["order", "pk"]


@admin.register(QuestionnaireTemplate)
class QuestionnaireTemplateAdmin(admin.ModelAdmin):
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
class QuestionnaireAdmin(admin.ModelAdmin):
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
