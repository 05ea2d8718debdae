"""Tags of document templates: a closed registry, filled from a flat dict of strings.

A template's text holds tags like ``{{ client.inn }}``. Each tag in ``TAGS`` has a Russian
label, a group for the list beside the editor and its own getter, a function that reads
fixed attributes of the deal, the client, the seller or the calculation. ``build_tags()``
calls every getter once and returns ``{name: escaped string}``; ``render_tags()`` only
substitutes those strings. Nothing in the template text decides which attribute is read,
and the text never reaches the Django template engine.
"""

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from difflib import get_close_matches

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join, strip_tags
from django.utils.safestring import SafeString, mark_safe

from billing.words import amount_in_words
from contacts.phones import format_phone
from crm.formats import date_long, money

from .sanitize import clean_html

TAG_RE = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")
# A tag with the period that may follow it.
FILL_RE = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}(\.)?")
# Everything that looks like template syntax, so that what is not a tag can be named.
BRACES_RE = re.compile(r"\{\{(.*?)\}\}", re.S)
TEMPLATE_SYNTAX_RE = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)

LEGAL, ENTREPRENEUR, PERSON = "legal", "entrepreneur", "person"
GROUPS = ("Сделка", "Клиент", "Продавец", "Документ", "Расчёт")


@dataclass(frozen=True)
class Sources:
    """What the getters read. Any object may be None: its tags are then empty."""

    deal: object | None
    client: object | None
    seller: object | None
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


# Reading attributes


def _attr(obj, *names: str):
    """The first of these attributes that is set. Used where the models differ in what a
    legal form has (a person has no КПП) or in how a field is named."""
    for name in names:
        value = getattr(obj, name, None)
        if value not in (None, ""):
            return value
    return ""


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


def _kind(party) -> str:
    return getattr(party, "kind", LEGAL) or LEGAL


# Russian grammar the preamble needs


def _is_female(fio: str) -> bool:
    """By the patronymic, else the surname: «…овна», «Петрова» → True."""
    parts = (fio or "").split()
    if len(parts) >= 3:
        patronymic = parts[2].lower()
        if patronymic.endswith(("вна", "чна", "шна", "кызы", "гызы")):
            return True
        if patronymic.endswith(("ич", "оглы", "улы")):
            return False
    surname = parts[0].lower() if parts else ""
    return surname.endswith(("ова", "ева", "ёва", "ина", "ына", "ская", "цкая"))


def _initials(fio: str) -> str:
    """«Иванов Иван Иванович» → «Иванов И. И.»."""
    parts = (fio or "").split()
    if not parts:
        return ""
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:3])])


def _position_genitive(position: str) -> str:
    """«Генеральный директор» → «генерального директора»: the adjectives and the first
    noun are declined, the rest («по развитию», «правления») stays as it is."""
    words = (position or "").split()
    out = []
    for i, word in enumerate(words):
        low = word.lower()
        if low.endswith(("ый", "ой")):
            out.append(word[:-2] + "ого")
            continue
        if low.endswith("ий"):
            out.append(word[:-2] + ("ого" if low[-3:-2] in "гкх" else "его"))
            continue
        if low.endswith("ь"):
            out.append(word[:-1] + "я")
        elif low.endswith("а"):
            out.append(word[:-1] + ("и" if low[-2:-1] in "гкхжшчщ" else "ы"))
        elif low[-1:].isalpha() and low[-1] not in "аеёиоуыэюяй":
            out.append(word + "а")
        else:
            out.append(word)
        out.extend(words[i + 1 :])
        break
    text = " ".join(out)
    # Mid-sentence a title is written in lower case, unless it starts with an abbreviation.
    if len(text) > 1 and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def _organisation_named(full_name: str) -> str:
    """The participle that agrees with the organisation: «Общество …» → «именуемое»,
    «Автономная некоммерческая организация …» → «именуемая», «Фонд …» → «именуемый»."""
    for word in (full_name or "").lower().replace("«", " ").split():
        if word in {"общество", "предприятие", "учреждение", "партнёрство", "партнерство"}:
            return "именуемое"
        if word in {"товарищество", "бюро"}:
            return "именуемое"
        if word in {"организация", "компания", "ассоциация", "корпорация", "коллегия"}:
            return "именуемая"
        if word in {"фонд", "кооператив", "союз", "институт", "университет"}:
            return "именуемый"
    return "именуемое"


# Party getters: the same set for the client and the seller


def _name(p) -> str:
    return _text(p.name)


def _full_name(p) -> str:
    return _text(_attr(p, "full_name") or p.name)


def _person_name(p) -> str:
    """A sole proprietor's or an individual's full name, without «ИП»."""
    name = _text(_attr(p, "person_name", "signatory_name") or p.name)
    for prefix in ("Индивидуальный предприниматель ", "ИП "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name


def _inn(p) -> str:
    return _text(p.inn)


def _kpp(p) -> str:
    return _text(_attr(p, "kpp")) if _kind(p) == LEGAL else ""


def _ogrn(p) -> str:
    return _text(_attr(p, "ogrn")) if _kind(p) == LEGAL else ""


def _ogrnip(p) -> str:
    return _text(_attr(p, "ogrnip")) if _kind(p) == ENTREPRENEUR else ""


def _ogrnip_date(p) -> str:
    return _date(_attr(p, "ogrnip_date")) if _kind(p) == ENTREPRENEUR else ""


def _okpo(p) -> str:
    return _text(_attr(p, "okpo")) if _kind(p) != PERSON else ""


def _legal_address(p) -> str:
    """An organisation's legal address; for a sole proprietor or an individual the
    registration address, which plays the same part in a contract."""
    if _kind(p) == LEGAL:
        return _text(_attr(p, "legal_address"))
    return _text(_attr(p, "registration_address", "legal_address"))


def _postal_address(p) -> str:
    return _text(_attr(p, "postal_address"))


def _phone_of(p) -> str:
    return _phone(_attr(p, "phone"))


def _email(p) -> str:
    return _text(_attr(p, "email"))


def _bank(p):
    return _attr(p, "default_bank_account") or None


def _bank_name(p) -> str:
    bank = _bank(p)
    return _text(_attr(bank, "bank_name")) if bank else ""


def _bik(p) -> str:
    bank = _bank(p)
    return _text(_attr(bank, "bik")) if bank else ""


def _corr_account(p) -> str:
    bank = _bank(p)
    return _text(_attr(bank, "correspondent_account", "corr_account")) if bank else ""


def _account(p) -> str:
    bank = _bank(p)
    return _text(_attr(bank, "settlement_account", "account")) if bank else ""


def _signatory_position(p) -> str:
    kind = _kind(p)
    if kind == LEGAL:
        return _text(_attr(p, "signatory_position"))
    if kind == ENTREPRENEUR:
        return "Индивидуальный предприниматель"
    return ""


def _signatory_position_genitive(p) -> str:
    kind = _kind(p)
    if kind == LEGAL:
        given = _text(_attr(p, "signatory_position_genitive"))
        return given or _position_genitive(_signatory_position(p))
    if kind == ENTREPRENEUR:
        return "индивидуального предпринимателя"
    return ""


def _signatory_name(p) -> str:
    if _kind(p) == LEGAL:
        return _text(_attr(p, "signatory_name"))
    return _person_name(p)


def _signatory_name_genitive(p) -> str:
    return _text(_attr(p, "signatory_name_genitive")) if _kind(p) != PERSON else ""


def _basis(p) -> str:
    """What the signatory acts on, in the genitive, for «действующего на основании …»."""
    kind = _kind(p)
    given = _text(_attr(p, "basis"))
    if kind == LEGAL:
        return given or "Устава"
    if kind == ENTREPRENEUR:
        if given:
            return given
        ogrnip, since = _ogrnip(p), _ogrnip_date(p)
        if not ogrnip:
            return ""
        return f"записи в ЕГРИП (ОГРНИП {ogrnip}" + (f" от {since}" if since else "") + ")"
    return ""


def _passport(p) -> str:
    """«серия 45 10 № 123456, выдан …, 1 февраля 2015 г., код подразделения 770-001»."""
    if _kind(p) == LEGAL or not _attr(p, "passport_number"):
        return ""
    series = _text(_attr(p, "passport_series")).replace(" ", "")
    if len(series) == 4:
        series = f"{series[:2]} {series[2:]}"
    text = f"серия {series} № {_text(p.passport_number)}" if series else f"№ {p.passport_number}"
    if issued_by := _text(_attr(p, "passport_issued_by")):
        text += f", выдан {issued_by}"
    if issued := _date(_attr(p, "passport_issued_date")):
        text += f" {issued}"
    if code := _text(_attr(p, "passport_code")):
        text += f", код подразделения {code}"
    return text


def _birth_date(p) -> str:
    return _date(_attr(p, "birth_date")) if _kind(p) != LEGAL else ""


def _preamble(p) -> str:
    """The party as a contract's first sentence names it, up to «именуемое в дальнейшем»;
    the template adds the role: «{{ client.preamble }} «Заказчик», с другой стороны…»."""
    kind = _kind(p)
    if kind == LEGAL:
        text = _full_name(p)
        position, name = _signatory_position_genitive(p), _signatory_name_genitive(p)
        name = name or _signatory_name(p)
        if position or name:
            acting = "действующей" if _is_female(_signatory_name(p)) else "действующего"
            text += f" в лице {' '.join(w for w in (position, name) if w)}, {acting}"
            text += f" на основании {_basis(p)}"
        return f"{text}, {_organisation_named(_full_name(p))} в дальнейшем"
    person = _person_name(p)
    female = _is_female(person)
    if kind == ENTREPRENEUR:
        text = f"Индивидуальный предприниматель {person}"
        if basis := _basis(p):
            text += f", {'действующая' if female else 'действующий'} на основании {basis}"
    else:
        text = person
        if passport := _passport(p):
            text += f", паспорт: {passport}"
        if address := _legal_address(p):
            text += f", {'зарегистрированная' if female else 'зарегистрированный'}"
            text += f" по адресу: {address}"
    return f"{text}, {'именуемая' if female else 'именуемый'} в дальнейшем"


def _lines(rows) -> SafeString:
    """Escaped lines joined by <br>: inline markup, so the block can sit in a paragraph
    or a table cell of the template."""
    return format_html_join(mark_safe("<br>"), "{}", ((row,) for row in rows if row))


def _requisites(p) -> SafeString:
    """The requisites block of the party's legal form, as a contract's last section has it."""
    kind = _kind(p)
    rows: list = [format_html("<strong>{}</strong>", _full_name(p))]
    if kind == LEGAL:
        if _name(p) != _full_name(p):
            rows.append(_name(p))
        if _inn(p):
            rows.append(f"ИНН {_inn(p)}" + (f" / КПП {_kpp(p)}" if _kpp(p) else ""))
        rows.append(f"ОГРН {_ogrn(p)}" if _ogrn(p) else "")
        rows.append(f"ОКПО {_okpo(p)}" if _okpo(p) else "")
        rows.append(f"Юридический адрес: {_legal_address(p)}" if _legal_address(p) else "")
    elif kind == ENTREPRENEUR:
        rows.append(f"ИНН {_inn(p)}" if _inn(p) else "")
        if _ogrnip(p):
            since = _ogrnip_date(p)
            rows.append(f"ОГРНИП {_ogrnip(p)}" + (f" от {since}" if since else ""))
        rows.append(f"ОКПО {_okpo(p)}" if _okpo(p) else "")
        rows.append(f"Адрес регистрации: {_legal_address(p)}" if _legal_address(p) else "")
    else:
        rows.append(f"Дата рождения: {_birth_date(p)}" if _birth_date(p) else "")
        rows.append(f"Паспорт: {_passport(p)}" if _passport(p) else "")
        rows.append(f"Адрес регистрации: {_legal_address(p)}" if _legal_address(p) else "")
        rows.append(f"ИНН {_inn(p)}" if _inn(p) else "")
    postal = _postal_address(p)
    if postal and postal != _legal_address(p):
        rows.append(f"Почтовый адрес: {postal}")
    if _account(p):
        rows.append(f"Р/с {_account(p)}")
        rows.append(f"в {_bank_name(p)}" if _bank_name(p) else "")
        rows.append(f"К/с {_corr_account(p)}" if _corr_account(p) else "")
        rows.append(f"БИК {_bik(p)}" if _bik(p) else "")
    if _phone_of(p):
        rows.append(f"Тел. {_phone_of(p)}" + (f", {_email(p)}" if _email(p) else ""))
    else:
        rows.append(_email(p))
    return _lines(rows)


def _signature(p) -> SafeString:
    """«Генеральный директор / ____________ / Иванов И. И. /», the line each party signs."""
    line = f"_______________ / {_initials(_signatory_name(p))} /"
    return _lines([_signatory_position(p), line])


def _seller_director(p) -> str:
    return _text(_attr(p, "director_name", "signatory_name"))


def _seller_accountant(p) -> str:
    return _text(_attr(p, "chief_accountant", "accountant_name"))


PARTY_TAGS: list[tuple[str, str, Callable]] = [
    ("name", "Наименование (кратко): ООО «…», ИП …, ФИО", _name),
    ("full_name", "Полное наименование", _full_name),
    ("inn", "ИНН", _inn),
    ("kpp", "КПП (только у юрлица)", _kpp),
    ("ogrn", "ОГРН (юрлицо)", _ogrn),
    ("ogrnip", "ОГРНИП (ИП)", _ogrnip),
    ("ogrnip_date", "Дата регистрации ИП", _ogrnip_date),
    ("okpo", "ОКПО", _okpo),
    ("legal_address", "Юридический адрес (у ИП и физлица — адрес регистрации)", _legal_address),
    ("postal_address", "Почтовый адрес", _postal_address),
    ("phone", "Телефон", _phone_of),
    ("email", "Электронная почта", _email),
    ("bank.name", "Банк", _bank_name),
    ("bank.bik", "БИК", _bik),
    ("bank.corr_account", "Корреспондентский счёт", _corr_account),
    ("bank.account", "Расчётный счёт", _account),
    ("signatory_position", "Должность подписанта", _signatory_position),
    (
        "signatory_position_genitive",
        "Должность подписанта в родительном падеже («в лице …»)",
        _signatory_position_genitive,
    ),
    ("signatory_name", "ФИО подписанта", _signatory_name),
    ("signatory_name_genitive", "ФИО подписанта в родительном падеже", _signatory_name_genitive),
    ("basis", "Действует на основании (Устава, доверенности, записи в ЕГРИП)", _basis),
    ("passport", "Паспорт: серия, номер, кем и когда выдан, код подразделения", _passport),
    ("birth_date", "Дата рождения (физлицо)", _birth_date),
    (
        "preamble",
        "Преамбула договора: сторона, подписант, основание, «именуемое в дальнейшем»",
        _preamble,
    ),
    ("requisites", "Блок реквизитов для формы лица (ЮЛ, ИП, физлицо)", _requisites),
    ("signature", "Подпись: должность и «______ / Фамилия И. О. /»", _signature),
]


def _party(pick: Callable[[Sources], object], fn: Callable) -> Callable[[Sources], str]:
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
    return c.vat_mode != "none"


def _totals(c) -> dict:
    return c.display_totals


def _vat_rate(c) -> str:
    return _totals(c)["vat_rate"] if _has_vat(c) else ""


def _vat_label(c) -> str:
    """«В том числе НДС 22 %», «НДС 22 %» (on top), «Без НДС»; every rate of the lines."""
    return "; ".join(line["label"] for line in _totals(c)["vat_lines"])


def _vat_text(c) -> str:
    if not _has_vat(c):
        return "без НДС"
    lines = _totals(c)["vat_lines"]
    return "в том числе " + ", ".join(
        f"{line['label'].removeprefix('В том числе ')} — {line['amount']} руб." for line in lines
    )


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
                Tag("seller.director", "Руководитель (ФИО)", group, _party(pick, _seller_director)),
                Tag(
                    "seller.accountant",
                    "Главный бухгалтер (ФИО)",
                    group,
                    _party(pick, _seller_accountant),
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
) -> dict[str, str]:
    """Every tag of the registry → its value, formatted and HTML-escaped (blocks are
    HTML built from escaped strings). Empty where the value does not apply."""
    src = Sources(
        deal=deal,
        client=client,
        seller=seller,
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
