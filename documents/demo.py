import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from billing.models import Calculation, CatalogItem
from billing.services import LineData, calculation_save
from contacts.demo import CLIENT_INNS
from contacts.models import Seller
from deals.models import Deal, Stage, StageAutomation

from . import services
from .defaults import load_default_templates
from .models import (
    Contract,
    DocumentTemplate,
    Proposal,
    QuestionKind,
    Questionnaire,
    QuestionnaireTemplate,
    TemplateQuestion,
)

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


def _load_questionnaires(stdout):
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


# What the client does in the demo, for the first two open deals of the demo's clients: in
# the first they accept the proposal and then the contract; in the second both are sent and
# wait for them (the demo user can answer by the link).
CLIENT_IP = "192.0.2.15"  # TEST-NET-1 (RFC 5737): an address that is nobody's
CLIENT_BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/142.0.0.0 Safari/537.36"
)
# A calculation for a deal that has none: (sku, quantity) from billing's demo catalog.
ESTIMATE = [("WEB-001", "1"), ("DES-001", "1"), ("HST-002", "1"), ("SUP-001", "4")]


def _load_client_documents(stdout):
    if Proposal.objects.exists() or Contract.objects.exists():
        return
    seller = Seller.objects.active()
    deals = list(
        Deal.objects.filter(client__inn__in=CLIENT_INNS)
        .exclude(stage__kind=Stage.Kind.LOST)
        .select_related("manager", "client", "stage")
        .order_by("pk")[:2]
    )
    if seller is None or not deals:
        return
    _give_logo(seller)
    settings_row = StageAutomation.load()
    if settings_row.proposal_accepted_stage is None:
        settings_row.proposal_accepted_stage = Stage.objects.filter(name="Договор").first()
        settings_row.save(update_fields=["proposal_accepted_stage"])
    for index, deal in enumerate(deals):
        _ensure_calculation(deal)
        by = deal.manager
        proposal = services.proposal_create(deal=deal, template=_template("proposal"), by=by)
        proposal = services.document_finalize(document=proposal, by=by)
        _opened(proposal, hours_ago=30)
        if index == 0:
            services.proposal_respond(
                proposal=proposal,
                accept=True,
                comment="Всё устраивает, готовы подписать договор.",
                ip=CLIENT_IP,
                user_agent=CLIENT_BROWSER,
            )
        contract = services.contract_create(deal=deal, template=_template("contract"), by=by)
        contract = services.document_finalize(document=contract, by=by)
        if index == 0:
            _opened(contract, hours_ago=2)
            services.contract_accept(
                contract=contract,
                name=deal.client.signatory_name or deal.client.name,
                ip=CLIENT_IP,
                user_agent=CLIENT_BROWSER,
            )
        stdout.write(f"Сделка №{deal.pk}: {proposal.title}; {contract.title}")


def _template(kind: str) -> DocumentTemplate:
    return DocumentTemplate.objects.get(kind=kind, is_default=True)


def _ensure_calculation(deal: Deal) -> None:
    if Calculation.objects.current_for(deal) is not None:
        return
    skus = [sku for sku, _ in ESTIMATE]
    items = {item.sku: item for item in CatalogItem.objects.filter(sku__in=skus)}
    lines = [
        LineData(
            name=items[sku].name,
            quantity=Decimal(quantity),
            price=items[sku].price,
            unit_code=items[sku].unit,
            catalog_item_id=items[sku].pk,
        )
        for sku, quantity in ESTIMATE
        if sku in items
    ]
    if lines:
        calculation_save(deal=deal, by=deal.manager, lines=lines, title="Основной вариант")


def _opened(document, *, hours_ago: int) -> None:
    """The client opened the document's link (written quietly, as the questionnaire's)."""
    now = timezone.now()
    type(document).objects.filter(pk=document.pk).update(
        first_opened_at=now - timedelta(hours=hours_ago), last_opened_at=now, open_count=2
    )


def _give_logo(seller: Seller) -> None:
    """A logo for the demo company, drawn here: the client pages and PDFs show it."""
    if seller.logo:
        return
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (520, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 12, 104, 108), radius=18, fill=(37, 99, 235))
    for row in range(3):
        for col in range(3):
            if (row + col) % 2 == 0:
                x, y = 26 + col * 22, 30 + row * 22
                draw.rectangle((x, y, x + 16, y + 16), fill="white")
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 54)
        name = "ПИКСЕЛЬ"
    except OSError:  # no DejaVu on this machine: Pillow's own font has no Cyrillic
        font, name = ImageFont.load_default(size=54), "PIXEL"
    draw.text((128, 60), name, fill=(17, 24, 39), font=font, anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    seller.logo.save("pixel-logo.png", ContentFile(buffer.getvalue()), save=True)


def load(stdout):
    created = load_default_templates(DocumentTemplate)
    if created:
        stdout.write(f"Шаблоны документов: добавлено {created}")
    _load_questionnaires(stdout)
    _load_client_documents(stdout)
