"""How a party is written: the one place that turns a client's or the seller's requisites
into the text documents print. `write(party)` gives every string a proposal, a contract or
an invoice needs: the numbers that apply to the party's legal form, «в лице …,
действующего на основании …», the preamble of a contract, the requisites block and the
signature. `snapshot(party)` is the plain copy an invoice keeps, and `requisites_line()` and
`payment_signatures()` read such a copy, so an issued invoice reads the same years later.

Only model fields are read (and the default bank account); a value that does not apply to
the party's legal form is empty, even if an old value is still stored.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from crm.formats import NBSP, date_long

from .names import agreeing, fio_genitive, fio_initials, organisation_participle
from .names import position_genitive as decline_position
from .phones import format_phone
from .requisites import ENTREPRENEUR, LEGAL, PERSON, PROXY, format_passport_series

ENTREPRENEUR_TITLE = "Индивидуальный предприниматель"
ENTREPRENEUR_TITLE_GENITIVE = "индивидуального предпринимателя"
SIGNATURE_LINE = "_______________"
# What stands for a personal value the reader may not see.
HIDDEN = "•••• (скрыто)"
# The fields of the default bank account (contacts.BankAccount) a party is written with.
BANK_FIELDS = ("bank_name", "bik", "correspondent_account", "settlement_account")


@dataclass(frozen=True)
class PartyText:
    """A party written out: plain strings, empty where a value does not apply."""

    kind: str
    name: str
    full_name: str
    # A sole proprietor's or an individual's full name, without «ИП».
    person_name: str
    inn: str
    kpp: str
    ogrn: str
    ogrnip: str
    ogrnip_date: str
    okpo: str
    # The legal address of an organisation, the registration address of a person.
    address: str
    postal_address: str
    phone: str
    phone_e164: str
    email: str
    bank_name: str
    bik: str
    correspondent_account: str
    settlement_account: str
    signatory_position: str
    signatory_position_genitive: str
    signatory_name: str
    signatory_name_genitive: str
    signatory_initials: str
    basis: str
    passport: str
    birth_date: str
    chief_accountant: str

    @property
    def on_behalf(self) -> str:
        """«в лице генерального директора Иванова Ивана Ивановича, действующего на основании
        Устава» of an organisation; empty when it names no signatory."""
        words = (self.signatory_position_genitive, self.signatory_name_genitive)
        who = " ".join(w for w in words if w)
        if self.kind != LEGAL or not who:
            return ""
        acting = self._agreeing("действующего", "действующей")
        return f"в лице {who}, {acting} на основании {self.basis}"

    def _agreeing(self, masculine: str, feminine: str) -> str:
        """The word that agrees with the signatory; a genitive a person confirmed tells the
        gender of a name that does not tell it itself («Ким Саша»)."""
        genitive = self.signatory_name_genitive
        return agreeing(self.signatory_name, masculine, feminine, genitive=genitive)

    @property
    def preamble(self) -> str:
        """The party as a contract's first sentence names it, up to «именуемое в
        дальнейшем»; the template adds the role («Заказчик»)."""
        if self.kind == LEGAL:
            clause = f" {self.on_behalf}" if self.on_behalf else ""
            named = organisation_participle(self.full_name)
            return f"{self.full_name}{clause}, {named} в дальнейшем"
        who = self.person_name
        if self.kind == ENTREPRENEUR:
            words = f"{ENTREPRENEUR_TITLE} {who}"
            if self.basis:
                acting = self._agreeing("действующий", "действующая")
                words += f", {acting} на основании {self.basis}"
        else:
            words = who
            if self.passport:
                words += f", паспорт: {self.passport}"
            if self.address:
                registered = self._agreeing("зарегистрированный", "зарегистрированная")
                words += f", {registered} по адресу: {self.address}"
        return f"{words}, {self._agreeing('именуемый', 'именуемая')} в дальнейшем"

    @property
    def requisites(self) -> list[str]:
        """The lines of the requisites block of the party's legal form, as a contract's last
        section has them: the full name first."""
        rows = [self.full_name]
        if self.kind == LEGAL:
            if self.name != self.full_name:
                rows.append(self.name)
            if self.inn:
                rows.append(f"ИНН {self.inn}" + (f" / КПП {self.kpp}" if self.kpp else ""))
            rows.append(f"ОГРН {self.ogrn}" if self.ogrn else "")
            rows.append(f"ОКПО {self.okpo}" if self.okpo else "")
            rows.append(f"Юридический адрес: {self.address}" if self.address else "")
        elif self.kind == ENTREPRENEUR:
            rows.append(f"ИНН {self.inn}" if self.inn else "")
            if self.ogrnip:
                since = f" от {self.ogrnip_date}" if self.ogrnip_date else ""
                rows.append(f"ОГРНИП {self.ogrnip}{since}")
            rows.append(f"ОКПО {self.okpo}" if self.okpo else "")
            rows.append(f"Адрес регистрации: {self.address}" if self.address else "")
        else:
            rows.append(f"Дата рождения: {self.birth_date}" if self.birth_date else "")
            rows.append(f"Паспорт: {self.passport}" if self.passport else "")
            rows.append(f"Адрес регистрации: {self.address}" if self.address else "")
            rows.append(f"ИНН {self.inn}" if self.inn else "")
        if self.postal_address and self.postal_address != self.address:
            rows.append(f"Почтовый адрес: {self.postal_address}")
        if self.settlement_account:
            rows.append(f"Р/с {self.settlement_account}")
            rows.append(f"в {self.bank_name}" if self.bank_name else "")
            rows.append(f"К/с {self.correspondent_account}" if self.correspondent_account else "")
            rows.append(f"БИК {self.bik}" if self.bik else "")
        if self.phone:
            rows.append(f"Тел. {self.phone}" + (f", {self.email}" if self.email else ""))
        else:
            rows.append(self.email)
        return [row for row in rows if row]

    @property
    def signature(self) -> list[str]:
        """«Генеральный директор» and «_______________ / Иванов С. Н. /», the lines each
        party signs on. An individual has no position: a blank first line (a no-break
        space) keeps their signature line level with the other party's beside it."""
        line = f"{SIGNATURE_LINE} / {self.signatory_initials} /"
        return [self.signatory_position or NBSP, line]


def _text(value) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _date(value) -> str:
    return date_long(value) if value else ""


def basis(party) -> str:
    """What the signatory acts on, in the genitive: «Устава», «доверенности № 7 от 5 марта
    2026 г.», for a sole proprietor «записи в ЕГРИП (ОГРНИП … от …)», empty for a person
    (or a sole proprietor whose ОГРНИП is not filled in yet)."""
    if party.kind == LEGAL:
        if party.basis_kind != PROXY:
            return "Устава"
        text = "доверенности"
        if party.poa_number:
            text += f" № {party.poa_number}"
        if party.poa_date:
            text += f" от {date_long(party.poa_date)}"
        return text
    if party.kind == ENTREPRENEUR and party.ogrnip:
        text = f"записи в ЕГРИП (ОГРНИП {party.ogrnip}"
        if party.ogrnip_date:
            text += f" от {date_long(party.ogrnip_date)}"
        return text + ")"
    return ""


def passport(party) -> str:
    """«серия 45 10 № 123456, выдан …, 1 февраля 2015 г., код подразделения 770-001» of an
    individual. Personal data: put it only where the viewer may see passports."""
    if party.kind != PERSON or not (party.passport_series and party.passport_number):
        return ""
    series = format_passport_series(party.passport_series)
    text = f"серия {series} № {party.passport_number}"
    if party.passport_issued_by:
        text += f", выдан {party.passport_issued_by}"
    if party.passport_issued_date:
        text += f" {date_long(party.passport_issued_date)}"
    if party.passport_code:
        text += f", код подразделения {party.passport_code}"
    return text


def write(party, *, personal: bool = True) -> PartyText:
    """Every string documents print about this client or seller. With personal=False an
    individual's passport, birth date and account read «•••• (скрыто)» (for a staff member
    who may not see them, deals.clients.access.may_see_personal_data)."""
    text = _write(party)
    return text if personal else masked(text)


def masked(text: PartyText) -> PartyText:
    """The party with its personal data hidden: what is filled in reads HIDDEN."""

    def hide(value: str) -> str:
        return HIDDEN if value else ""

    changes = {"passport": hide(text.passport), "birth_date": hide(text.birth_date)}
    if text.kind == PERSON:
        # A company's or a sole proprietor's account is printed on every invoice.
        changes["settlement_account"] = hide(text.settlement_account)
    return replace(text, **changes)


def _write(party) -> PartyText:
    kind = party.kind
    legal, entrepreneur, person = kind == LEGAL, kind == ENTREPRENEUR, kind == PERSON
    name = _text(party.name)
    full_name = _text(party.full_name) or name
    person_name = "" if legal else _text(party.person_name)
    if legal:
        position = _text(party.signatory_position)
        position_genitive = _text(party.signatory_position_genitive) or decline_position(position)
        signatory = _text(party.signatory_name)
    else:
        position = ENTREPRENEUR_TITLE if entrepreneur else ""
        position_genitive = ENTREPRENEUR_TITLE_GENITIVE if entrepreneur else ""
        signatory = person_name
    signatory_genitive = ""
    if not person:
        signatory_genitive = _text(party.signatory_name_genitive) or fio_genitive(signatory)
    account = party.default_bank_account
    bank = {field: _text(getattr(account, field)) if account else "" for field in BANK_FIELDS}
    phone_e164 = _text(party.phone_e164)
    return PartyText(
        kind=kind,
        name=name,
        full_name=full_name,
        person_name=person_name,
        inn=_text(party.inn),
        kpp=_text(party.kpp) if legal else "",
        ogrn=_text(party.ogrn) if legal else "",
        ogrnip=_text(party.ogrnip) if entrepreneur else "",
        ogrnip_date=_date(party.ogrnip_date) if entrepreneur else "",
        okpo="" if person else _text(party.okpo),
        address=_text(party.legal_address if legal else party.registration_address),
        postal_address=_text(party.postal_address),
        phone=format_phone(phone_e164) if phone_e164 else "",
        phone_e164=phone_e164,
        email=_text(party.email),
        **bank,
        signatory_position=position,
        signatory_position_genitive=position_genitive,
        signatory_name=signatory,
        signatory_name_genitive=signatory_genitive,
        signatory_initials=fio_initials(signatory),
        basis=basis(party),
        passport=passport(party),
        birth_date=_date(party.birth_date) if person else "",
        chief_accountant=_text(party.chief_accountant) if legal else "",
    )


# The copy an invoice keeps


def snapshot(party) -> dict:
    """The requisites of a seller or a client as an invoice prints them: plain strings,
    kept in the invoice so later changes of the requisites never alter it."""
    if party is None:
        return {}
    text = write(party)
    return {
        "kind": text.kind,
        "name": text.name,
        "full_name": text.full_name,
        "inn": text.inn,
        "kpp": text.kpp,
        "address": text.address,
        "phone": text.phone,
        "phone_e164": text.phone_e164,
        "email": text.email,
        "signatory_position": text.signatory_position,
        "signatory_name": text.signatory_name,
        "signatory_initials": text.signatory_initials,
        "chief_accountant": text.chief_accountant,
        "chief_accountant_initials": fio_initials(text.chief_accountant),
        "bank_name": text.bank_name,
        "bik": text.bik,
        "correspondent_account": text.correspondent_account,
        "settlement_account": text.settlement_account,
    }


def requisites_line(data: Mapping) -> str:
    """«ООО «Пиксель», ИНН …, КПП …, адрес, тел.: …», the line after «Поставщик:» or
    «Покупатель:» of a payment document, from a snapshot; an individual shows the name and
    the address only."""
    if not data:
        return ""
    if data.get("kind") == PERSON:
        parts = [data.get("name"), data.get("address")]
    else:
        parts = [
            data.get("name"),
            f"ИНН {data['inn']}" if data.get("inn") else "",
            f"КПП {data['kpp']}" if data.get("kpp") else "",
            data.get("address"),
            # A phone number is not broken across lines.
            "тел.: " + data["phone"].replace(" ", "\xa0") if data.get("phone") else "",
        ]
    return ", ".join(part for part in parts if part)


def payment_signatures(data: Mapping) -> list[tuple[str, str]]:
    """(who, «Фамилия И. О.») under a payment document, from the seller's snapshot: the
    director and the chief accountant (the director signs for both when there is no
    accountant), or the sole proprietor alone."""
    director = data.get("signatory_initials", "")
    if data.get("kind") == ENTREPRENEUR:
        return [(ENTREPRENEUR_TITLE, director)]
    accountant = data.get("chief_accountant_initials") or director
    return [("Руководитель", director), ("Главный бухгалтер", accountant)]


def snapshot_signature(data: Mapping) -> list[str]:
    """«Генеральный директор» and «_______________ / Иванов С. Н. /» from a snapshot: the
    lines each party signs a closing document (an act) on; a person or a party without a
    named signatory gets the bare line."""
    initials = data.get("signatory_initials", "")
    line = f"{SIGNATURE_LINE} / {initials} /" if initials else SIGNATURE_LINE
    return [row for row in (data.get("signatory_position", ""), line) if row]
