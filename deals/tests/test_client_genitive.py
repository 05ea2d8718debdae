"""The genitive of the signatory on the client form: filled by the grammar, shown for a
person to check whenever the grammar is not sure of it, and kept as the person wrote it."""

from django.urls import reverse

from contacts.models import Client

from .conftest import ACCOUNT, ENTREPRENEUR, LEGAL, form_data
from .test_clients import CREATE, edit_data

CHECK = "Проверьте склонение"


def test_a_name_the_grammar_is_sure_of_is_declined_without_asking(client_a):
    data = {**LEGAL, "signatory_name": "Бондаренко Игорь", "signatory_position": "Заведующая"}
    response = client_a.post(CREATE, form_data(data, [ACCOUNT]))
    assert response.status_code == 302
    client = Client.objects.get()
    assert client.signatory_name_genitive == "Бондаренко Игоря"
    assert client.signatory_position_genitive == "заведующей"


def test_an_unsure_genitive_is_shown_for_checking_before_it_is_saved(client_a):
    data = {**LEGAL, "signatory_name": "Ким Саша"}
    response = client_a.post(CREATE, form_data(data, [ACCOUNT]))
    assert response.status_code == 400
    assert not Client.objects.exists()
    assert CHECK in response.text
    # The suggestion stands in the field, ready to be corrected.
    assert 'name="signatory_name_genitive" value="Кима Саши"' in response.text

    data["signatory_name_genitive"] = "Ким Саши"
    response = client_a.post(CREATE, form_data(data, [ACCOUNT]))
    assert response.status_code == 302
    assert Client.objects.get().signatory_name_genitive == "Ким Саши"


def test_the_suggestion_is_saved_as_shown_when_the_person_leaves_it(client_a):
    data = {**ENTREPRENEUR, "person_name": "Смит Эшли"}
    response = client_a.post(CREATE, form_data(data, [ACCOUNT]))
    assert response.status_code == 400
    assert 'value="Смита Эшли"' in response.text
    data["signatory_name_genitive"] = "Смита Эшли"
    assert client_a.post(CREATE, form_data(data, [ACCOUNT])).status_code == 302
    assert Client.objects.get().signatory_name_genitive == "Смита Эшли"


def test_a_new_signatory_on_the_edit_page_is_checked_too(client_a):
    client_a.post(CREATE, form_data(LEGAL, [ACCOUNT]))
    client = Client.objects.get()
    url = reverse("clients:edit", args=[client.pk])
    data = edit_data(client, {**LEGAL, "signatory_name": "Ли Женя"})
    data["signatory_name_genitive"] = client.signatory_name_genitive  # the stale one
    response = client_a.post(url, data)
    assert response.status_code == 400
    assert 'value="Ли Жени"' in response.text
    data["signatory_name_genitive"] = "Ли Жени"
    assert client_a.post(url, data).status_code == 302
    client.refresh_from_db()
    assert (client.signatory_name, client.signatory_name_genitive) == ("Ли Женя", "Ли Жени")
    # The saved form still asks to check a genitive the grammar only guessed.
    assert CHECK in client_a.get(url).text


def test_the_suggestion_endpoint_says_whether_it_is_sure(client_a):
    url = reverse("clients:genitive")
    assert client_a.get(url, {"value": "Кох Ирина"}).json() == {"value": "Кох Ирины", "sure": True}
    assert client_a.get(url, {"value": "Ким Саша"}).json() == {"value": "Кима Саши", "sure": False}
    assert client_a.get(url, {"what": "position", "value": "Заведующая"}).json() == {
        "value": "заведующей",
        "sure": True,
    }
