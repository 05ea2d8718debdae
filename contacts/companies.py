"""Company details by ИНН from DaData (the «Организация по ИНН» method, findById/party):
an optional online helper, off unless DADATA_API_KEY is set. It only offers values for the
client form; the person can always type them by hand, and any failure says so."""

import datetime
import logging
import re

import httpx
from dadata import Dadata
from django.conf import settings

log = logging.getLogger(__name__)

OFFER_COUNT = 5
QUOTED_RE = re.compile(r'"([^"]*)"')
STATUS_NOTES = {
    "LIQUIDATING": "Идёт ликвидация",
    "LIQUIDATED": "Деятельность прекращена",
    "BANKRUPT": "Банкротство",
    "REORGANIZING": "Идёт реорганизация",
}


class LookupFailed(Exception):
    """DaData did not answer as expected: timeout, network, 4xx/5xx or another shape."""


def enabled() -> bool:
    return bool(settings.DADATA_API_KEY)


def find_by_inn(inn: str) -> list[dict]:
    """Offers for the client form (see `offers`) of the organisations and sole proprietors
    DaData knows under this ИНН: the head office first, then branches."""
    try:
        with Dadata(settings.DADATA_API_KEY, timeout=settings.DADATA_TIMEOUT) as api:
            found = api.find_by_id("party", inn, count=OFFER_COUNT)
        return offers(found)
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # Not the ИНН: a sole proprietor's is a person's number.
        log.warning("DaData findById/party failed: %r", exc)
        raise LookupFailed(str(exc)) from exc


def offers(suggestions: list[dict]) -> list[dict]:
    """Each suggestion as {"title", "details", "status", "fields"}: what the offer shows and
    the values of the form's fields it fills."""
    return [_offer(suggestion) for suggestion in suggestions]


def _offer(suggestion: dict) -> dict:
    data = suggestion["data"]
    address = data.get("address") or {}
    address_text = address.get("unrestricted_value") or address.get("value") or ""
    if data.get("type") == "INDIVIDUAL":
        fields = _entrepreneur(data, address_text)
    else:
        fields = _organisation(data, address_text)
    title = suggestion.get("value") or fields.get("name") or fields.get("person_name", "")
    if data.get("branch_type") == "BRANCH":
        title += " — филиал"
    details = [
        f"КПП {data['kpp']}" if data.get("kpp") else "",
        f"{'ОГРНИП' if data.get('type') == 'INDIVIDUAL' else 'ОГРН'} {data.get('ogrn') or '—'}",
        address_text,
    ]
    status = ((data.get("state") or {}).get("status")) or ""
    return {
        "title": title,
        "details": " · ".join(d for d in details if d),
        "status": STATUS_NOTES.get(status, ""),
        "fields": {name: value for name, value in fields.items() if value},
    }


def _organisation(data: dict, address: str) -> dict:
    name = data.get("name") or {}
    management = data.get("management") or {}
    return {
        "kind": "legal",
        "name": _quotes(name.get("short_with_opf") or ""),
        "full_name": _quotes(name.get("full_with_opf") or ""),
        "inn": data.get("inn") or "",
        "kpp": data.get("kpp") or "",
        "ogrn": data.get("ogrn") or "",
        "okpo": data.get("okpo") or "",
        "legal_address": address,
        "signatory_position": _sentence(management.get("post") or ""),
        "signatory_name": _person(management.get("name") or ""),
    }


def _entrepreneur(data: dict, address: str) -> dict:
    fio = data.get("fio") or {}
    person = " ".join(
        part for part in (fio.get("surname"), fio.get("name"), fio.get("patronymic")) if part
    )
    return {
        "kind": "entrepreneur",
        "person_name": _person(person or (data.get("name") or {}).get("full") or ""),
        "inn": data.get("inn") or "",
        "ogrnip": data.get("ogrn") or "",
        "ogrnip_date": _date(data.get("ogrn_date")),
        "registration_address": address,
    }


def _quotes(text: str) -> str:
    """The register's straight quotes as the documents write them: «Ромашка»."""
    return QUOTED_RE.sub(r"«\1»", text.strip())


def _sentence(text: str) -> str:
    """«ГЕНЕРАЛЬНЫЙ ДИРЕКТОР» (as the register writes it) → «Генеральный директор»."""
    text = " ".join(text.split())
    if text.isupper():
        text = text.lower()
    return text[:1].upper() + text[1:]


def _person(text: str) -> str:
    text = " ".join(text.split())
    return text.title() if text.isupper() else text


def _date(milliseconds) -> str:
    """DaData's dates are milliseconds since the epoch at midnight UTC."""
    if not milliseconds:
        return ""
    moment = datetime.datetime.fromtimestamp(milliseconds / 1000, tz=datetime.UTC)
    return moment.date().isoformat()
