"""Tags of document templates: a closed registry, filled from a flat dict of strings.

A template's text holds tags like ``{{ client.inn }}``. Each tag in ``TAGS`` has a Russian
label, a group for the list beside the editor and its own getter, a function that reads
fixed attributes of the deal or the calculation, or a string of the client or the seller as
contacts writes them (contacts.parties: the requisites, «в лице …», the signature).
``build_tags()`` calls every getter once and returns ``{name: escaped string}``;
``render_tags()`` only substitutes those strings. Nothing in the template text decides which
attribute is read, and the text never reaches the Django template engine.
"""

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from difflib import get_close_matches
from operator import attrgetter

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join, strip_tags
from django.utils.safestring import SafeString, mark_safe

from billing.money import VatMode
from billing.words import amount_in_words
from contacts import parties
from contacts.parties import PartyText
from contacts.phones import format_phone
from crm.formats import NBSP, date_long, money

from .sanitize import clean_html

TAG_RE = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")
# A tag with the period that may follow it, or the space before the unit that follows an
# amount («{{ calculation.total }} руб.»): that space becomes a no-break one.
FILL_RE = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}(?:(\.)|( )(?=руб\.|руб\b|коп\.|₽|%))?")
# Everything that looks like template syntax, so that what is not a tag can be named.
BRACES_RE = re.compile(r"\{\{(.*?)\}\}", re.S)
TEMPLATE_SYNTAX_RE = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)

GROUPS = ("Сделка", "Клиент", "Продавец", "Документ", "Расчёт")


@dataclass(frozen=True)
class Sources:
    """What the getters read. Any object may be None: its tags are then empty."""

    deal: object | None
    # The client and the seller as contacts writes them.
    client: PartyText | None
    seller: PartyText | None
    calculation: object | None
    document_number: str
    document_date: datetime.date | None
    today: datetime.date


@dataclass(frozen=True)
class Tag:
    name: str
    label: str
    group: str
    get: Callable[[Sources], str]
    # An HTML block (a table): when it stands alone in a paragraph it replaces the paragraph.
    block: bool = False


# Formatting


def _text(value) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _date(value) -> str:
    return date_long(value) if value else ""


def _money(value) -> str:
    return money(value) if value not in (None, "") else ""


def _words(value) -> str:
    return amount_in_words(Decimal(value)) if value not in (None, "") else ""


def _phone(value) -> str:
    return format_phone(value) if value else ""


# Party tags: the same set for the client and the seller, read from contacts' text


def _lines(rows) -> SafeString:
    """Escaped lines joined by <br>: inline markup, so the block can sit in a paragraph
    or a table cell of the template."""
    return format_html_join(mark_safe("<br>"), "{}", ((row,) for row in rows if row))


def _requisites(p: PartyText) -> SafeString:
    """The requisites block with the full name in bold."""
    first, *rest = p.requisites
    return _lines([format_html("<strong>{}</strong>", first), *rest])


def _signature(p: PartyText) -> SafeString:
    return _lines(p.signature)


PARTY_TAGS: list[tuple[str, str, Callable[[PartyText], str]]] = [
    ("name", "Наименование (кратко): ООО «…», ИП …, ФИО", attrgetter("name")),
    ("full_name", "Полное наименование", attrgetter("full_name")),
    ("inn", "ИНН", attrgetter("inn")),
    ("kpp", "КПП (только у юрлица)", attrgetter("kpp")),
    ("ogrn", "ОГРН (юрлицо)", attrgetter("ogrn")),
    ("ogrnip", "ОГРНИП (ИП)", attrgetter("ogrnip")),
    ("ogrnip_date", "Дата регистрации ИП", attrgetter("ogrnip_date")),
    ("okpo", "ОКПО", attrgetter("okpo")),
    (
        "legal_address",
        "Юридический адрес (у ИП и физлица — адрес регистрации)",
        attrgetter("address"),
    ),
    ("postal_address", "Почтовый адрес", attrgetter("postal_address")),
    ("phone", "Телефон", attrgetter("phone")),
    ("email", "Электронная почта", attrgetter("email")),
    ("bank.name", "Банк", attrgetter("bank_name")),
    ("bank.bik", "БИК", attrgetter("bik")),
    ("bank.corr_account", "Корреспондентский счёт", attrgetter("correspondent_account")),
    ("bank.account", "Расчётный счёт", attrgetter("settlement_account")),
    ("signatory_position", "Должность подписанта", attrgetter("signatory_position")),
    (
        "signatory_position_genitive",
        "Должность подписанта в родительном падеже («в лице …»)",
        attrgetter("signatory_position_genitive"),
    ),
    ("signatory_name", "ФИО подписанта", attrgetter("signatory_name")),
    (
        "signatory_name_genitive",
        "ФИО подписанта в родительном падеже",
        attrgetter("signatory_name_genitive"),
    ),
    (
        "basis",
        "Действует на основании (Устава, доверенности, записи в ЕГРИП)",
        attrgetter("basis"),
    ),
    (
        "passport",
        "Паспорт: серия, номер, кем и когда выдан, код подразделения",
        attrgetter("passport"),
    ),
    ("birth_date", "Дата рождения (физлицо)", attrgetter("birth_date")),
    (
        "preamble",
        "Преамбула договора: сторона, подписант, основание, «именуемое в дальнейшем»",
        attrgetter("preamble"),
    ),
    ("requisites", "Блок реквизитов для формы лица (ЮЛ, ИП, физлицо)", _requisites),
    ("signature", "Подпись: должность и «______ / Фамилия И. О. /»", _signature),
]


def _party(
    pick: Callable[[Sources], PartyText | None], fn: Callable[[PartyText], str]
) -> Callable[[Sources], str]:
    def get(src: Sources) -> str:
        party = pick(src)
        return fn(party) if party is not None else ""

    return get


# Deal, manager, document


def _manager(src: Sources):
    return getattr(src.deal, "manager", None) if src.deal is not None else None


def _manager_name(src: Sources) -> str:
    m = _manager(src)
    if m is None:
        return ""
    full = " ".join(x for x in (_text(m.first_name), _text(m.last_name)) if x)
    return full or _text(m.username)


def _deal_number(src: Sources) -> str:
    return _text(src.deal.number) if src.deal is not None else ""


def _deal_title(src: Sources) -> str:
    return _text(src.deal.title) if src.deal is not None else ""


def _deal_budget(src: Sources) -> str:
    return _money(src.deal.budget) if src.deal is not None else ""


def _deal_budget_words(src: Sources) -> str:
    return _words(src.deal.budget) if src.deal is not None else ""


# Calculation: a billing.models.Calculation. Its stored amounts and display_totals (the
# VAT of each rate, as the calculator shows it) are read; nothing is computed here.


def _has_vat(c) -> bool:
    return c.vat_mode != VatMode.NONE


def _totals(c) -> dict:
    return c.display_totals


def _vat_rate(c) -> str:
    return _totals(c)["vat_rate"] if _has_vat(c) else ""


def _vat_label(c) -> str:
    """«В том числе НДС 22 %», «НДС 22 %» (on top), «Без НДС»; every rate of the lines."""
    return "; ".join(line["label"] for line in _totals(c)["vat_lines"])


def _vat_text(c) -> str:
    return _totals(c)["vat_text"]


def _calculation_table(c) -> SafeString:
    """The calculation as the calculator, invoices and PDFs show it: billing's own partial
    (lines, discounts, totals, VAT of each rate), autoescaped."""
    html = render_to_string("billing/includes/_calculation_table.html", {"calculation": c})
    # A developer-owned template with autoescaping: its output is safe HTML.
    return mark_safe(html.strip())  # noqa: S308


def _calc(fn: Callable) -> Callable[[Sources], str]:
    def get(src: Sources) -> str:
        return fn(src.calculation) if src.calculation is not None else ""

    return get


def _build_registry() -> dict[str, Tag]:
    tags = [
        Tag("deal.number", "Номер сделки", "Сделка", _deal_number),
        Tag("deal.title", "Название сделки", "Сделка", _deal_title),
        Tag("deal.budget", "Бюджет сделки, руб.", "Сделка", _deal_budget),
        Tag("deal.budget_words", "Бюджет сделки прописью", "Сделка", _deal_budget_words),
        Tag("manager.name", "Менеджер: имя и фамилия", "Сделка", _manager_name),
        Tag(
            "manager.position",
            "Менеджер: должность",
            "Сделка",
            lambda s: _text(getattr(_manager(s), "position", "")),
        ),
        Tag(
            "manager.phone",
            "Менеджер: телефон",
            "Сделка",
            lambda s: _phone(getattr(_manager(s), "phone", "")),
        ),
        Tag(
            "manager.email",
            "Менеджер: электронная почта",
            "Сделка",
            lambda s: _text(getattr(_manager(s), "email", "")),
        ),
    ]
    for role, group, pick in (
        ("client", "Клиент", lambda s: s.client),
        ("seller", "Продавец", lambda s: s.seller),
    ):
        tags += [
            Tag(f"{role}.{key}", label, group, _party(pick, fn)) for key, label, fn in PARTY_TAGS
        ]
        if role == "seller":
            tags += [
                Tag(
                    "seller.director",
                    "Руководитель (ФИО)",
                    group,
                    _party(pick, attrgetter("signatory_name")),
                ),
                Tag(
                    "seller.accountant",
                    "Главный бухгалтер (ФИО)",
                    group,
                    _party(pick, attrgetter("chief_accountant")),
                ),
            ]
    tags += [
        Tag("document.number", "Номер документа", "Документ", lambda s: _text(s.document_number)),
        Tag(
            "document.date",
            "Дата документа («5 марта 2026 г.»)",
            "Документ",
            lambda s: _date(s.document_date),
        ),
        Tag("today", "Сегодняшняя дата", "Документ", lambda s: _date(s.today)),
        Tag(
            "calculation",
            "Таблица расчёта с итогами и НДС",
            "Расчёт",
            _calc(_calculation_table),
            block=True,
        ),
        Tag("calculation.total", "Итого, руб.", "Расчёт", _calc(lambda c: _money(c.total))),
        Tag(
            "calculation.total_words",
            "Итого прописью",
            "Расчёт",
            _calc(lambda c: _words(c.total)),
        ),
        Tag(
            "calculation.subtotal",
            "Сумма без НДС, руб.",
            "Расчёт",
            _calc(lambda c: _money(c.total_without_vat)),
        ),
        Tag(
            "calculation.vat",
            "Сумма НДС, руб. (пусто без НДС)",
            "Расчёт",
            _calc(lambda c: _money(c.total_vat) if _has_vat(c) else ""),
        ),
        Tag(
            "calculation.vat_rate",
            "Ставка НДС (пусто без НДС)",
            "Расчёт",
            _calc(_vat_rate),
        ),
        Tag(
            "calculation.vat_label",
            "Строка НДС: «В том числе НДС 22 %», «Без НДС»",
            "Расчёт",
            _calc(_vat_label),
        ),
        Tag(
            "calculation.vat_text",
            "НДС для текста договора: «в том числе НДС 22 % — … руб.», «без НДС»",
            "Расчёт",
            _calc(_vat_text),
        ),
    ]
    return {tag.name: tag for tag in tags}


TAGS: dict[str, Tag] = _build_registry()


# Filling and checking


def build_tags(
    *,
    deal,
    client,
    seller,
    calculation,
    document_number: str = "",
    document_date: datetime.date | None = None,
    personal: bool = True,
) -> dict[str, str]:
    """Every tag of the registry → its value, formatted and HTML-escaped (blocks are
    HTML built from escaped strings). Empty where the value does not apply. With
    personal=False the client's personal data reads «•••• (скрыто)»."""
    src = Sources(
        deal=deal,
        client=parties.write(client, personal=personal) if client is not None else None,
        seller=parties.write(seller) if seller is not None else None,
        calculation=calculation,
        document_number=document_number or "",
        document_date=document_date,
        today=timezone.localdate(),
    )
    return {name: conditional_escape(tag.get(src)) for name, tag in TAGS.items()}


def _block_paragraph_re() -> re.Pattern:
    names = "|".join(re.escape(name) for name, tag in TAGS.items() if tag.block)
    return re.compile(r"<p>\s*\{\{\s*(" + names + r")\s*\}\}\s*</p>")


BLOCK_PARAGRAPH_RE = _block_paragraph_re()


def render_tags(body: str, tags: Mapping[str, str]) -> str:
    """Replace each known tag with its escaped value. A name that is not in `tags` stays
    as it was written, so that a leftover shows instead of vanishing."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        return conditional_escape(tags[name]) if name in tags else match.group(0)

    def value_and_dot(match: re.Match) -> str:
        # A value that ends a sentence with its own period («2026 г.», «руб.») takes the
        # period the text puts after the tag: no «г..».
        text = value(match)
        dot = match.group(2) or ""
        if dot and match.group(1) in tags and strip_tags(text).endswith("."):
            dot = ""
        if match.group(3):
            # «227 400,00 руб.» never breaks across lines.
            dot = NBSP
        return text + dot

    # A table cannot sit inside <p>: a block tag alone in a paragraph takes its place.
    body = BLOCK_PARAGRAPH_RE.sub(value, body)
    return FILL_RE.sub(value_and_dot, body)


def used_tags(body: str) -> list[str]:
    """Names of the known tags in the text, each once, in order of appearance."""
    return list(dict.fromkeys(m.group(1) for m in TAG_RE.finditer(body) if m.group(1) in TAGS))


def find_unknown_tags(body: str) -> list[str]:
    """What stands in {{ … }} but is not a tag of the registry, as written (markup that
    split a tag is removed, so the person sees the text they typed)."""
    unknown = []
    for match in BRACES_RE.finditer(body):
        written = " ".join(strip_tags(match.group(1)).replace("&nbsp;", " ").split())
        if written not in TAGS or TAG_RE.fullmatch(match.group(0)) is None:
            unknown.append(written)
    return list(dict.fromkeys(unknown))


# A tag whose name an editor turned into a web link as it was typed: «client.name» looks
# like an address in the .name zone. The link covers the whole name and points at it.
AUTOLINKED_TAG_RE = re.compile(
    r'(\{\{\s*)<a\s[^>]*?href="https?://([a-z_.]+)/?"[^>]*>\2</a>(\s*\}\})'
)


def unlink_tags(body: str) -> str:
    """«{{ <a href="http://client.name">client.name</a> }}» → «{{ client.name }}», for known
    tags only; a link over part of a name stays, and the tag is refused as split."""

    def plain(match: re.Match) -> str:
        if match.group(2) not in TAGS:
            return match.group(0)
        return match.group(1) + match.group(2) + match.group(3)

    return AUTOLINKED_TAG_RE.sub(plain, body)


def find_template_syntax(body: str) -> list[str]:
    """{% … %} and {# … #}: template-engine syntax, which documents do not have."""
    found = (" ".join(m.group(0).split()) for m in TEMPLATE_SYNTAX_RE.finditer(body))
    return list(dict.fromkeys(found))


def suggest_tag(written: str) -> str | None:
    """The closest known tag to a misspelled one: «client.inm» → «client.inn»."""
    matches = get_close_matches(written, list(TAGS), n=1, cutoff=0.75)
    return matches[0] if matches else None


def missing_tags(body: str, tags: Mapping[str, str]) -> list[str]:
    """Tags used in the text whose value is empty for this document: a КПП for an
    individual, a client not chosen yet. The manager sees them before sending."""
    return [name for name in used_tags(body) if not strip_tags(tags.get(name, "")).strip()]


def grouped_tags() -> list[tuple[str, list[Tag]]]:
    """The registry in the order of GROUPS, for the list beside the editor."""
    return [(group, [t for t in TAGS.values() if t.group == group]) for group in GROUPS]


def render_document(body: str, tags: Mapping[str, str]) -> SafeString:
    """The HTML of a document: the body cleaned with nh3 once more, then the tags filled
    with escaped values. Safe to put in a page as it is."""
    return mark_safe(render_tags(clean_html(body), tags))  # noqa: S308
