"""The requisites form says what each legal form must fill in before it is sent, and the
change log writes the basis the signatory really acts on."""

import re

import pytest
from django.urls import reverse

from contacts.models import Client

from .conftest import ACCOUNT, ENTREPRENEUR, LEGAL, PERSON, form_data

CREATE = reverse("clients:create")


def wrapper(html: str, field: str) -> str:
    """The opening tag of the block around a field of the requisites form."""
    match = re.search(
        r'<div class="col-md-6[^"]*"[^>]*>(?=\s*<div id="div_id_' + field + '")', html
    )
    assert match, field
    return match.group(0)


def required_marks(html: str) -> set[str]:
    return set(re.findall(r'field-required"[^>]*>\s*<div id="div_id_(\w+)"', html))


def test_a_new_client_form_marks_what_a_legal_entity_must_fill_in(client_a):
    page = client_a.get(CREATE)
    assert page.status_code == 200
    assert "обязательные поля для выбранного типа" in page.text
    assert required_marks(page.text) == {
        "name",
        "full_name",
        "inn",
        "kpp",
        "ogrn",
        "legal_address",
        "signatory_position",
        "signatory_name",
        "poa_number",
        "poa_date",
    }
    assert 'data-required-kinds="legal entrepreneur"' in wrapper(page.text, "inn")
    assert 'data-required-kinds="entrepreneur"' in wrapper(page.text, "ogrnip")
    assert "data-required-kinds" not in wrapper(page.text, "okpo")
    assert re.search(
        r'name="kpp"[^>]*aria-required="true"|aria-required="true"[^>]*name="kpp"', page.text
    )


@pytest.mark.parametrize(
    ("values", "marked", "unmarked"),
    [
        (
            ENTREPRENEUR,
            {"person_name", "inn", "ogrnip", "ogrnip_date", "registration_address"},
            "kpp",
        ),
        (PERSON, {"person_name", "registration_address"}, "inn"),
    ],
    ids=["entrepreneur", "person"],
)
def test_a_refused_form_keeps_the_marks_of_its_legal_form(client_a, values, marked, unmarked):
    data = form_data({**values, "registration_address": ""})
    response = client_a.post(CREATE, data)
    assert response.status_code == 400
    assert "Заполните поле «Адрес регистрации»." in response.text
    assert marked <= required_marks(response.text)
    assert unmarked not in required_marks(response.text)
    assert not Client.objects.exists()


def test_the_seller_form_marks_required_fields_too(client_head):
    page = client_head.get(reverse("clients:seller"))
    assert page.status_code == 200
    assert {"inn", "kpp", "ogrn"} <= required_marks(page.text)


def test_a_sole_proprietors_log_names_the_egrip_record_not_a_charter(client_a):
    response = client_a.post(CREATE, form_data(ENTREPRENEUR, [ACCOUNT]))
    assert response.status_code == 302
    client = Client.objects.get()
    created = {c["label"]: c["new"] for c in client.changes.get().changes}
    assert created["Действует на основании"] == (
        "записи в ЕГРИП (ОГРНИП 304500116000157 от 12\xa0марта\xa02004\xa0г.)"
    )
    assert "Устав" not in " ".join(created.values())
    page = client_a.get(reverse("clients:detail", args=[client.pk]))
    assert "Устав" not in page.text


def test_a_company_logs_its_charter_and_then_its_power_of_attorney(client_a):
    client_a.post(CREATE, form_data(LEGAL, [ACCOUNT]))
    client = Client.objects.get()
    created = {c["label"]: c["new"] for c in client.changes.get().changes}
    assert created["Действует на основании"] == "Устава"


def test_an_individual_logs_no_basis(client_a):
    client_a.post(CREATE, form_data(PERSON))
    client = Client.objects.get()
    labels = [c["label"] for c in client.changes.get().changes]
    assert "Действует на основании" not in labels


@pytest.mark.parametrize("typed", ["26.11.2026", "2026-11-26"])
def test_a_date_is_read_typed_either_way_and_a_refused_form_keeps_it_in_its_box(client_a, typed):
    # Refused for another field: the date box gets the date back in the one form it shows.
    refused = client_a.post(
        CREATE, form_data({**ENTREPRENEUR, "ogrnip_date": typed, "registration_address": ""})
    )
    assert refused.status_code == 400
    assert '<html lang="ru">' in refused.text  # a Russian browser's picker: day.month.year
    assert re.search(r'type="date" name="ogrnip_date" value="2026-11-26"', refused.text)

    response = client_a.post(CREATE, form_data({**ENTREPRENEUR, "ogrnip_date": typed}))
    assert response.status_code == 302
    assert Client.objects.get().ogrnip_date.isoformat() == "2026-11-26"


def test_a_date_that_is_no_date_is_refused_and_kept_as_typed(client_a):
    response = client_a.post(CREATE, form_data({**ENTREPRENEUR, "ogrnip_date": "31.02.2026"}))
    assert response.status_code == 400
    assert "Введите дату, например 05.03.2026." in response.text
    assert 'value="31.02.2026"' in response.text
