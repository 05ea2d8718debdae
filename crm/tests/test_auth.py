import pytest
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
