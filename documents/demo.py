from datetime import timedelta

from django.utils import timezone

from deals.models import Deal

from . import services
from .models import QuestionKind, Questionnaire, QuestionnaireTemplate, TemplateQuestion

SITE_BRIEF = "Бриф на разработку сайта"

SITE_BRIEF_INTRO = (
    "Ответы помогут нам точно оценить сроки и стоимость сайта. Заполнение займёт около "
    "15 минут. Можно сохранить черновик и вернуться позже по этой же ссылке."
)

# text, kind, required, help text, choices
SITE_BRIEF_QUESTIONS = [
    ("Название компании и сфера деятельности", QuestionKind.SHORT, True, "", []),
    (
        "Какие задачи должен решать сайт?",
        QuestionKind.LONG,
        True,
        "Например: заявки с сайта, продажи онлайн, информация о компании.",
        [],
    ),
    (
        "Тип сайта",
        QuestionKind.CHOICE,
        True,
        "",
        ["Сайт-визитка", "Корпоративный сайт", "Интернет-магазин", "Лендинг"],
    ),
    (
        "Какие разделы нужны?",
        QuestionKind.MULTI,
        False,
        "Отметьте всё, что нужно.",
        ["О компании", "Услуги", "Каталог", "Портфолио", "Блог", "Контакты"],
    ),
    ("Адрес текущего сайта, если он есть", QuestionKind.SHORT, False, "", []),
    (
        "Сайты, которые вам нравятся, и чем",
        QuestionKind.LONG,
        False,
        "Ссылки и пара слов о каждом.",
        [],
    ),
    ("Нужна ли интеграция с 1С?", QuestionKind.YESNO, True, "", []),
    ("Сколько товаров или услуг будет на сайте?", QuestionKind.NUMBER, False, "", []),
    ("Желаемая дата запуска", QuestionKind.DATE, False, "", []),
    (
        "Ориентировочный бюджет, ₽",
        QuestionKind.NUMBER,
        False,
        "Поможет предложить подходящее решение.",
        [],
    ),
    (
        "Логотип, фирменный стиль или техническое задание",
        QuestionKind.FILE,
        False,
        "Если есть — приложите файл.",
        [],
    ),
]

SITE_BRIEF_ANSWERS = [
    "ООО «Улыбка», стоматологическая клиника в Подольске",
    "Запись на приём онлайн, рассказ об услугах и врачах, цены.",
    "Корпоративный сайт",
    ["О компании", "Услуги", "Контакты"],
    "",
    "smile-dent.example.ru — понятная запись к врачу, мало текста.",
    False,
    "25",
    None,
    "250000",
    None,
]


def load(stdout):
    template = _site_brief()
    if Questionnaire.objects.filter(template=template).exists():
        return
    deal = (
        Deal.objects.filter(manager__username="manager", stage__kind="open")
        .order_by("created_at", "pk")
        .first()
    )
    if deal is None:
        return
    manager = deal.manager
    questionnaire = services.questionnaire_create(deal=deal, template=template, by=manager)
    questions = list(questionnaire.questions.all())
    answers = {
        question.pk: answer
        for question, answer in zip(questions, SITE_BRIEF_ANSWERS, strict=True)
        if answer is not None
    }
    answers[questions[8].pk] = (timezone.localdate() + timedelta(days=60)).isoformat()
    # The client opened it twice before answering (the demo writes that quietly).
    now = timezone.now()
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        first_opened_at=now - timedelta(hours=3), last_opened_at=now, open_count=2
    )
    services.questionnaire_submit(
        questionnaire=questionnaire, questions=questions, answers=answers, files={}
    )
    stdout.write(f"Анкета «{template.title}» заполнена в сделке №{deal.pk}")


def _site_brief() -> QuestionnaireTemplate:
    template, created = QuestionnaireTemplate.objects.get_or_create(
        title=SITE_BRIEF, defaults={"intro": SITE_BRIEF_INTRO}
    )
    if created:
        TemplateQuestion.objects.bulk_create(
            [
                TemplateQuestion(
                    template=template,
                    order=index * 10,
                    text=text,
                    kind=kind,
                    required=required,
                    help_text=help_text,
                    choices=choices,
                )
                for index, (text, kind, required, help_text, choices) in enumerate(
                    SITE_BRIEF_QUESTIONS, start=1
                )
            ]
        )
    return template
