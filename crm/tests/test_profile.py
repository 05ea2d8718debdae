"""«Мой профиль»: every staff user sets what clients see of them (name, position, phone,
e-mail, the signature of their e-mails), and only their own."""

from django.urls import reverse

from crm.models import User

PROFILE = {
    "first_name": "Анна",
    "last_name": "Смирнова",
    "position": "Менеджер проектов",
    "phone": "8 (916) 123-45-67",
    "email": "anna@example.ru",
    "email_signature": "С уважением,\nАнна Смирнова  \nСтудия «Пиксель»\n\n",
}


def test_the_user_menu_leads_to_the_profile(client_a):
    page = client_a.get(reverse("deals:list"))
    assert f'href="{reverse("profile")}">Мой профиль</a>' in page.text


def test_the_manager_saves_the_profile_and_the_phone_is_stored_in_e164(client_a, manager_a):
    page = client_a.get(reverse("profile"))
    assert page.status_code == 200
    assert 'value="manager_a@example.ru"' in page.text
    response = client_a.post(reverse("profile"), PROFILE)
    assert response.status_code == 302
    manager_a.refresh_from_db()
    assert (manager_a.get_full_name(), manager_a.position) == ("Анна Смирнова", "Менеджер проектов")
    assert manager_a.phone == "+79161234567"
    assert manager_a.email == "anna@example.ru"
    assert manager_a.email_signature == "С уважением,\nАнна Смирнова\nСтудия «Пиксель»"
    page = client_a.get(reverse("profile"))
    assert "Профиль сохранён." in page.text
    assert 'value="+79161234567"' in page.text


def test_a_wrong_phone_is_refused_in_russian_and_what_was_typed_stays(client_a, manager_a):
    response = client_a.post(reverse("profile"), {**PROFILE, "phone": "12-34"})
    assert response.status_code == 400
    assert "Не похоже на номер телефона. Пример: +7 916 123-45-67." in response.text
    assert 'value="12-34"' in response.text
    assert "Менеджер проектов" in response.text
    manager_a.refresh_from_db()
    assert (manager_a.phone, manager_a.position) == ("", "")


def test_name_and_email_are_required_and_the_phone_may_stay_empty(client_a, manager_a):
    response = client_a.post(reverse("profile"), {**PROFILE, "email": "", "last_name": ""})
    assert response.status_code == 400
    assert response.text.count("Обязательное поле.") == 2
    response = client_a.post(reverse("profile"), {**PROFILE, "phone": "  "})
    assert response.status_code == 302
    manager_a.refresh_from_db()
    assert manager_a.phone == ""


def test_the_profile_changes_only_the_signed_in_user(client_a, manager_a, manager_b):
    client_a.post(reverse("profile"), {**PROFILE, "id": manager_b.pk, "username": "x"})
    manager_b.refresh_from_db()
    assert manager_b.position == ""
    manager_a.refresh_from_db()
    assert manager_a.username == "manager_a"
    assert User.objects.filter(position="Менеджер проектов").get() == manager_a


def test_the_role_cannot_be_raised_through_the_profile(client_a, manager_a):
    client_a.post(reverse("profile"), {**PROFILE, "role": "head", "is_superuser": "on"})
    manager_a.refresh_from_db()
    assert not manager_a.is_head and not manager_a.is_superuser
