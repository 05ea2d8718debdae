import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from billing.models import Unit
from crm.testing import (  # noqa: F401
    celery_broker_down,
    celery_in_process,
    fast_password_hashing,
)
from documents import services
from documents.models import QuestionKind, QuestionnaireTemplate, TemplateQuestion
from documents.samples import unsaved_calculation


@pytest.fixture
def migrated_rows(transactional_db):
    """A transactional test starts after an earlier one's flush, which empties the rows the
    data migrations wrote: the pipeline and the shipped templates are put back. (With
    serialized_rollback the saved rows would be reloaded on top of the content types that
    the flush has already recreated, and fail on them.)"""
    from importlib import import_module

    from django.apps import apps

    from documents.defaults import load_default_templates
    from documents.models import DocumentTemplate

    import_module("deals.migrations.0002_default_pipeline").create(apps, None)
    load_default_templates(DocumentTemplate)


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


"""Stand-ins for the client, the seller and the deal: plain objects with the fields of
contacts' models that contacts.parties reads (test_real_models.py fills the same tags from
saved models; test_tags.py checks every name here is a model's). The calculation is
billing's own model, kept in memory."""


def bank(**extra):
    fields = {
        "bank_name": "ПАО Сбербанк",
        "bik": "044525225",
        "correspondent_account": "30101810400000000225",
        "settlement_account": "40702810938000012345",
    }
    return SimpleNamespace(**(fields | extra))


def legal(**extra):
    fields = {
        "kind": "legal",
        "name": "ООО «Ромашка»",
        "full_name": "Общество с ограниченной ответственностью «Ромашка»",
        "inn": "7707083893",
        "kpp": "770701001",
        "ogrn": "1027700132195",
        "okpo": "12345678",
        "legal_address": "125009, г. Москва, ул. Тверская, д. 1",
        "postal_address": "125009, г. Москва, а/я 15",
        "signatory_position": "Генеральный директор",
        "signatory_position_genitive": "генерального директора",
        "signatory_name": "Иванов Сергей Николаевич",
        "signatory_name_genitive": "Иванова Сергея Николаевича",
        "basis_kind": "charter",
        "chief_accountant": "",
        "phone_e164": "+74951234567",
        "email": "info@romashka.ru",
        "default_bank_account": bank(),
    }
    return SimpleNamespace(**(fields | extra))


def entrepreneur(**extra):
    fields = {
        "kind": "entrepreneur",
        "name": "ИП Соколова Анна Петровна",
        "full_name": "Индивидуальный предприниматель Соколова Анна Петровна",
        "person_name": "Соколова Анна Петровна",
        "inn": "500100732259",
        "ogrnip": "304500116000157",
        "ogrnip_date": datetime.date(2004, 3, 12),
        "okpo": "0123456789",
        "registration_address": "141100, г. Щёлково, ул. Свирская, д. 5",
        "postal_address": "",
        "signatory_name": "Соколова Анна Петровна",
        "signatory_name_genitive": "Соколовой Анны Петровны",
        # Fields a sole proprietor does not have in the form, left from a change of kind:
        # the tags must not show them.
        "kpp": "770701001",
        "ogrn": "1027700132195",
        "phone_e164": "+79161234503",
        "email": "sokolova@example.ru",
        "default_bank_account": bank(settlement_account="40802810938000054321"),
    }
    return SimpleNamespace(**(fields | extra))


def person(**extra):
    fields = {
        "kind": "person",
        "name": "Морозов Пётр Ильич",
        "full_name": "Морозов Пётр Ильич",
        "person_name": "Морозов Пётр Ильич",
        "inn": "",
        "registration_address": "123456, г. Москва, ул. Лесная, д. 7, кв. 45",
        "postal_address": "",
        "birth_date": datetime.date(1985, 7, 14),
        "passport_series": "4510",
        "passport_number": "123456",
        "passport_issued_by": "ГУ МВД России по г. Москве",
        "passport_issued_date": datetime.date(2015, 2, 1),
        "passport_code": "770-001",
        "phone_e164": "",
        "email": "morozov@example.ru",
        "default_bank_account": None,
    }
    return SimpleNamespace(**(fields | extra))


def seller(**extra):
    fields = {
        "kind": "legal",
        "name": "ООО «Веб-студия»",
        "full_name": "Общество с ограниченной ответственностью «Веб-студия»",
        "inn": "7736207543",
        "kpp": "773601001",
        "ogrn": "1027739850962",
        "okpo": "",
        "legal_address": "119021, г. Москва, ул. Льва Толстого, д. 16",
        "postal_address": "",
        "signatory_position": "Генеральный директор",
        "signatory_position_genitive": "генерального директора",
        "signatory_name": "Волкова Ольга Андреевна",
        "signatory_name_genitive": "Волковой Ольги Андреевны",
        "basis_kind": "charter",
        "chief_accountant": "Кузнецова Мария Ивановна",
        "phone_e164": "+74957397000",
        "email": "hello@studio.ru",
        "default_bank_account": bank(
            bank_name="АО «Т-Банк»",
            bik="044525974",
            correspondent_account="30101810145250000974",
            settlement_account="40702810110000098765",
        ),
    }
    return SimpleNamespace(**(fields | extra))


def calculation(vat_mode="included", second_rate="22", **extra):
    """A real billing Calculation kept in memory: two lines, 122 000,00 before VAT rules."""
    return unsaved_calculation(
        [
            ("Дизайн главной страницы", Unit.SERVICE, "1", "100000.00"),
            ("Вёрстка <шаблонов>", Unit.HOUR, "12.5", "1760.00", second_rate),
        ],
        vat_mode=vat_mode,
        **extra,
    )


def deal(**extra):
    manager = SimpleNamespace(
        first_name="Анна",
        last_name="Смирнова",
        username="anna",
        position="Менеджер проектов",
        phone="+79161112233",
        email="anna@studio.ru",
        password="pbkdf2_sha256$secret-hash",
    )
    fields = {
        "number": "42",
        "title": "Сайт для стоматологии",
        "budget": Decimal("1234.50"),
        "manager": manager,
    }
    return SimpleNamespace(**(fields | extra))


PARTIES = {"legal": legal, "entrepreneur": entrepreneur, "person": person}


@pytest.fixture
def make_tags():
    """build_tags with the stand-ins; any of them can be replaced or set to None."""
    from documents.tags import build_tags

    def make(**kwargs):
        args = {
            "deal": deal(),
            "client": legal(),
            "seller": seller(),
            "calculation": calculation(),
            "document_number": "2026-0007",
            "document_date": datetime.date(2026, 3, 5),
        }
        return build_tags(**(args | kwargs))

    return make


# Real models: the demo's seller and clients (valid check digits), a deal with a contact and a
# saved calculation, and proposals and contracts made through the services.


def png_bytes(color=(200, 30, 40)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def real_seller(db, head):
    from django.core.files.base import ContentFile

    from contacts import services as contact_services
    from contacts.demo import SELLER, SELLER_ACCOUNT
    from contacts.models import BankAccount, Seller

    seller = Seller(**SELLER, is_active=True)
    seller.logo.save("logo.png", ContentFile(png_bytes()), save=False)
    return contact_services.seller_save(
        seller=seller, by=head, accounts=[BankAccount(**SELLER_ACCOUNT, is_default=True)]
    )


@pytest.fixture
def make_client(db, manager_a):
    from contacts import services as contact_services
    from contacts.demo import CLIENTS
    from contacts.models import BankAccount, Client

    by_kind = {values["kind"]: (values, account) for values, account in CLIENTS}

    def make(kind="legal"):
        values, account = by_kind[kind]
        return contact_services.client_save(
            client=Client(**values),
            by=manager_a,
            accounts=[BankAccount(**account, is_default=True)],
        )

    return make


@pytest.fixture
def save_calculation():
    from billing.services import LineData, calculation_save

    def save(deal, by, lines=None, **kwargs):
        lines = lines or [
            LineData(
                name="Разработка корпоративного сайта",
                quantity=Decimal("1"),
                price=Decimal("180000"),
            ),
            LineData(
                name="Дизайн внутренней страницы",
                quantity=Decimal("4"),
                price=Decimal("9000"),
                discount=Decimal("10"),
            ),
            LineData(name="Техническая поддержка", quantity=Decimal("7.5"), price=Decimal("2000")),
        ]
        return calculation_save(deal=deal, by=by, lines=lines, make_current=True, **kwargs)

    return save


CONTACT_EMAIL = "petrov@romashka.example.ru"

# 180 000 + 32 400 + 15 000 = 227 400,00 with VAT 22 % included.
TOTAL = Decimal("227400.00")
TOTAL_WORDS = "двести двадцать семь тысяч четыреста рублей 00\xa0копеек"


def spaced(text: str) -> str:
    """The text as a reader sees it: each run of spaces, no-break ones too, as one space
    (pdf_text(flat=True) reads a PDF that way)."""
    return " ".join(text.split())


@pytest.fixture
def deal_ready(deal_a, manager_a, real_seller, make_client, save_calculation):
    """deal_a with the legal client, a contact with an e-mail and a current calculation."""
    from contacts.models import Contact
    from deals import services as deal_services
    from deals.clients.services import deal_set_client

    deal = deal_set_client(deal=deal_a, client=make_client("legal"), by=manager_a)
    deal_services.contact_save(
        contact=Contact(name="Пётр Петров"),
        phones=[],
        emails=[CONTACT_EMAIL],
        deal=deal,
        by=manager_a,
    )
    save_calculation(deal, manager_a)
    return deal


def default_template(kind):
    from documents.models import DocumentTemplate

    return DocumentTemplate.objects.get(kind=kind, is_default=True)


@pytest.fixture
def proposal(deal_ready, manager_a):
    return services.proposal_create(
        deal=deal_ready, template=default_template("proposal"), by=manager_a
    )


@pytest.fixture
def contract(deal_ready, manager_a):
    return services.contract_create(
        deal=deal_ready, template=default_template("contract"), by=manager_a
    )


@pytest.fixture
def sent(django_capture_on_commit_callbacks, manager_a):
    """Fix a document as the manager does, with its PDF rendered by the (in-process) task."""

    def fix(document):
        with django_capture_on_commit_callbacks(execute=True):
            fixed = services.document_finalize(document=document, by=manager_a)
        fixed.refresh_from_db()
        return fixed

    return fix
