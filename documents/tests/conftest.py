import pytest

from crm.testing import (  # noqa: F401
    celery_broker_down,
    celery_in_process,
    fast_password_hashing,
)
from documents import services
from documents.models import QuestionKind, QuestionnaireTemplate, TemplateQuestion


@pytest.fixture
def brief_template(db):
    """A template with one question of every kind."""
    template = QuestionnaireTemplate.objects.create(
        title="Бриф на сайт", intro="Расскажите о проекте.\nЭто займёт 10 минут."
    )
    rows = [
        ("Название компании", QuestionKind.SHORT, True, []),
        ("Задачи сайта", QuestionKind.LONG, True, []),
        ("Сколько товаров", QuestionKind.NUMBER, False, []),
        ("Дата запуска", QuestionKind.DATE, False, []),
        ("Тип сайта", QuestionKind.CHOICE, True, ["Визитка", "Магазин"]),
        ("Разделы", QuestionKind.MULTI, False, ["Услуги", "Блог", "Контакты"]),
        ("Нужна интеграция с 1С?", QuestionKind.YESNO, True, []),
        ("Техническое задание", QuestionKind.FILE, False, []),
    ]
    for order, (text, kind, required, choices) in enumerate(rows, start=1):
        TemplateQuestion.objects.create(
            template=template,
            order=order * 10,
            text=text,
            kind=kind,
            required=required,
            choices=choices,
            help_text="Подсказка к вопросу" if order == 1 else "",
        )
    return template


@pytest.fixture
def questionnaire(deal_a, brief_template, manager_a):
    return services.questionnaire_create(deal=deal_a, template=brief_template, by=manager_a)


@pytest.fixture
def fields(questionnaire):
    """Form field names by question kind."""
    return {q.kind: f"q{q.pk}" for q in questionnaire.questions.all()}


@pytest.fixture
def answers(fields):
    """A complete, valid set of answers as the client's browser posts them."""
    return {
        fields["short"]: "ООО «Улыбка»",
        fields["long"]: "Запись к врачу онлайн.\nЦены на услуги.",
        fields["number"]: "1 500,5",
        fields["date"]: "2027-03-05",
        fields["choice"]: "Магазин",
        fields["multi"]: ["Услуги", "Контакты"],
        fields["yesno"]: "yes",
    }
