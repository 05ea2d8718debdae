from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import User


def test_anonymous_visitor_is_sent_to_login(anon):
    response = anon.get(reverse("deals:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_russian(anon):
    response = anon.get(reverse("login"))
    assert "Вход в CRM" in response.text


def test_login_and_logout(anon, manager_a):
    response = anon.post(reverse("login"), {"username": "manager_a", "password": "manager_a"})
    assert response.status_code == 302
    assert anon.get(reverse("deals:list")).status_code == 200
    anon.post(reverse("logout"))
    assert anon.get(reverse("deals:list")).status_code == 302


def test_wrong_password_message_is_russian(anon, manager_a):
    response = anon.post(reverse("login"), {"username": "manager_a", "password": "wrong"})
    assert "Неверное имя пользователя или пароль" in response.text


def test_repeated_failures_lock_the_login_until_the_cooloff(anon, manager_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        anon.post(reverse("login"), {"username": "manager_a", "password": "wrong"})
    locked = anon.post(reverse("login"), {"username": "manager_a", "password": "manager_a"})
    assert locked.status_code == 429
    assert "заблокирован" in locked.text

    from axes.models import AccessAttempt
    from django.utils import timezone

    # The cooloff has passed: attempts older than it no longer count.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(hours=2))
    released = anon.post(reverse("login"), {"username": "manager_a", "password": "manager_a"})
    assert released.status_code == 302


# Behind the TLS proxy every request comes from the proxy's address; the proxy names the
# client in X-Real-IP.
PROXY = "10.0.0.1"
ATTACKER = "203.0.113.5"
REAL_USER = "198.51.100.7"


def login_through_proxy(client, client_address, password):
    return client.post(
        reverse("login"),
        {"username": "manager_a", "password": password},
        REMOTE_ADDR=PROXY,
        headers={"X-Real-IP": client_address},
    )


def attack_through_proxy(settings):
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        login_through_proxy(attacker, ATTACKER, "wrong")
    return attacker


def test_behind_a_proxy_an_attacker_locks_only_himself_out(manager_a, settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    attacker = attack_through_proxy(settings)

    user = Client()
    response = login_through_proxy(user, REAL_USER, "manager_a")
    assert response.status_code == 302
    assert user.get(reverse("deals:list")).status_code == 200

    locked = login_through_proxy(attacker, ATTACKER, "manager_a")
    assert locked.status_code == 429
    assert "Вход временно заблокирован" in locked.text


def test_without_the_client_ip_header_everyone_behind_the_proxy_shares_one_lockout(
    manager_a, settings
):
    # Why CLIENT_IP_HEADER matters: the proxy's address is all the lockout can tell apart.
    settings.CLIENT_IP_HEADER = ""
    attack_through_proxy(settings)
    locked = login_through_proxy(Client(), REAL_USER, "manager_a")
    assert locked.status_code == 429
    assert "Вход временно заблокирован" in locked.text


def test_failures_from_another_address_do_not_lock_the_user_out(anon, manager_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        anon.post(
            reverse("login"),
            {"username": "manager_a", "password": "wrong"},
            REMOTE_ADDR=ATTACKER,
        )
    response = Client().post(
        reverse("login"),
        {"username": "manager_a", "password": "manager_a"},
        REMOTE_ADDR=REAL_USER,
    )
    assert response.status_code == 302


def lock_out(client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "manager_a", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "manager_a", "password": "manager_a"})
    assert locked.status_code == 429
    return locked.text


def test_the_lockout_page_says_the_cooloff_in_russian_words(anon, manager_a, settings):
    settings.AXES_COOLOFF_TIME = 15 / 60
    page = lock_out(anon, settings)
    assert "Попробуйте снова через 15 минут " in page
    assert "PT15M" not in page


@pytest.mark.parametrize(
    ("cooloff", "words"),
    [
        (timedelta(minutes=1), "через 1 минуту "),
        (timedelta(minutes=2), "через 2 минуты "),
        (timedelta(minutes=90), "через 1 час 30 минут "),
    ],
)
def test_the_lockout_page_declines_the_cooloff(anon, manager_a, settings, cooloff, words):
    settings.AXES_COOLOFF_TIME = cooloff
    assert words in lock_out(anon, settings)


def test_password_change(client_a, manager_a):
    response = client_a.post(
        reverse("password_change"),
        {
            "old_password": "manager_a",
            "new_password1": "Сложный-пароль-2026",
            "new_password2": "Сложный-пароль-2026",
        },
    )
    assert response.status_code == 302
    manager_a.refresh_from_db()
    assert manager_a.check_password("Сложный-пароль-2026")


@pytest.mark.django_db
def test_head_role_sees_everything_flag():
    assert User(role=User.Role.HEAD).is_head
    assert not User(role=User.Role.MANAGER).is_head
