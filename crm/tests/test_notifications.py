"""The notification centre: notify(), the bell, the list, marking read, the settings."""

import pytest
from django.urls import reverse

from crm import notifications
from crm.models import Notification, NotificationPreference, OutgoingEmail
from crm.notifications import Email, Event, notify


@pytest.fixture
def events():
    """Two events of a pretend app: one e-mailed by default, one not."""
    saved = dict(notifications._events)
    notifications.register(Event("test.mailed", "Проверка: по почте", email=True, order=1))
    notifications.register(Event("test.quiet", "Проверка: в приложении", order=2))
    yield
    notifications._events.clear()
    notifications._events.update(saved)


def _mail():
    return Email("client_opened", {"title": "анкету «Бриф»", "deal": None, "deal_url": "/"})


def _notify(user, n, **kwargs):
    return [
        notify(user=user, event="test.quiet", text=f"Событие {i}", url="/deals/", **kwargs)
        for i in range(n)
    ]


class TestNotify:
    def test_one_event_reaches_one_person_once(self, events, manager_a, manager_b):
        first = notify(user=manager_a, event="test.mailed", text="Клиент открыл", dedupe_key="k1")
        again = notify(user=manager_a, event="test.mailed", text="Клиент открыл", dedupe_key="k1")
        other = notify(user=manager_b, event="test.mailed", text="Клиент открыл", dedupe_key="k1")
        assert first is not None and again is None and other is not None
        assert Notification.objects.filter(dedupe_key="k1").count() == 2

    def test_the_email_goes_by_the_events_default(self, events, manager_a):
        notify(user=manager_a, event="test.mailed", text="а", dedupe_key="m", email=_mail())
        notify(user=manager_a, event="test.quiet", text="б", dedupe_key="q", email=_mail())
        assert list(OutgoingEmail.objects.values_list("event_key", "recipient")) == [
            ("m", "manager_a@example.ru")
        ]

    def test_the_persons_choice_overrides_the_default(self, events, manager_a):
        notifications.preferences_save(
            user=manager_a, email={"test.mailed": False, "test.quiet": True}
        )
        notify(user=manager_a, event="test.mailed", text="а", dedupe_key="m", email=_mail())
        notify(user=manager_a, event="test.quiet", text="б", dedupe_key="q", email=_mail())
        assert list(OutgoingEmail.objects.values_list("event_key", flat=True)) == ["q"]
        assert Notification.objects.filter(user=manager_a).count() == 2

    def test_a_repeat_queues_no_second_email(self, events, manager_a):
        for _ in range(2):
            notify(user=manager_a, event="test.mailed", text="а", dedupe_key="m", email=_mail())
        assert OutgoingEmail.objects.count() == 1

    def test_an_unknown_event_is_a_programming_error(self, events, manager_a):
        with pytest.raises(ValueError, match="test.typo"):
            notify(user=manager_a, event="test.typo", text="а")

    def test_nobody_and_a_disabled_account_get_nothing(self, events, manager_a):
        manager_a.is_active = False
        manager_a.save()
        assert notify(user=manager_a, event="test.mailed", text="а", email=_mail()) is None
        assert notify(user=None, event="test.mailed", text="а") is None
        assert not Notification.objects.exists() and not OutgoingEmail.objects.exists()

    def test_whitespace_of_the_text_is_one_line(self, events, manager_a):
        n = notify(user=manager_a, event="test.quiet", text="Клиент\n  открыл  счёт от 5\xa0марта")
        assert n.text == "Клиент открыл счёт от 5\xa0марта"


@pytest.mark.parametrize(
    "count, words",
    [
        (0, "Непрочитанных уведомлений нет"),
        (1, "1 непрочитанное уведомление"),
        (3, "3 непрочитанных уведомления"),
        (5, "5 непрочитанных уведомлений"),
        (11, "11 непрочитанных уведомлений"),
        (21, "21 непрочитанное уведомление"),
        (24, "24 непрочитанных уведомления"),
    ],
)
def test_the_unread_count_reads_right_in_russian(count, words):
    assert notifications.unread_words(count) == words


class TestBell:
    def test_every_page_shows_the_unread_count(self, events, client_a, manager_a, manager_b):
        _notify(manager_a, 3)
        _notify(manager_b, 5)
        page = client_a.get(reverse("deals:list")).text
        assert 'id="notification-bell"' in page
        assert 'data-unread="3"' in page
        assert 'aria-label="3 непрочитанных уведомления"' in page

    def test_no_badge_when_everything_is_read(self, events, client_a, manager_a):
        page = client_a.get(reverse("deals:list")).text
        assert 'id="notification-bell"' in page and "data-unread" not in page

    @pytest.mark.parametrize("rows", [1, 40])
    def test_a_poll_costs_one_query_besides_the_session(
        self, events, client_a, manager_a, rows, django_assert_num_queries
    ):
        _notify(manager_a, rows)
        with django_assert_num_queries(3):  # session, user, the unread count
            response = client_a.get(reverse("notifications:bell"))
        assert response.status_code == 200
        assert f'data-unread="{rows}"' in response.text
        assert 'hx-trigger="every 30s"' in response.text
        assert "<html" not in response.text  # the bell alone

    def test_the_badge_stops_at_99(self, events, client_a, manager_a):
        _notify(manager_a, 100)
        response = client_a.get(reverse("notifications:bell"))
        assert ">99+</span>" in response.text

    def test_the_poll_interval_is_a_setting(self, events, client_a, settings):
        settings.NOTIFICATIONS_POLL_SECONDS = 45
        assert 'hx-trigger="every 45s"' in client_a.get(reverse("notifications:bell")).text

    def test_the_unread_index_is_partial(self):
        index = next(i for i in Notification._meta.indexes if i.name == "notification_unread")
        assert index.fields == ["user"] and index.condition is not None


class TestList:
    def test_newest_first_unread_bold_and_own_only(self, events, client_a, manager_a, manager_b):
        old, new = _notify(manager_a, 2)
        notifications.mark_read(
            user=manager_a, notifications=Notification.objects.filter(pk=old.pk)
        )
        notify(user=manager_b, event="test.quiet", text="Чужое событие")
        response = client_a.get(reverse("notifications:list"))
        page = response.text
        assert response.status_code == 200
        assert page.index("Событие 1") < page.index("Событие 0")
        assert "Чужое событие" not in page
        assert f'href="{reverse("notifications:open", args=[new.pk])}" class="fw-bold"' in page
        assert f'href="{reverse("notifications:open", args=[old.pk])}" class=""' in page
        assert "1 непрочитанное уведомление." in page
        assert ".." not in page.split("<main", 1)[1]

    def test_it_pages_by_the_id(self, events, client_a, manager_a):
        _notify(manager_a, 35)
        first = client_a.get(reverse("notifications:list"))
        assert len(first.context["page"]) == 30
        older = first.context["older"]
        assert f"?before={older}" in first.text
        second = client_a.get(reverse("notifications:list"), {"before": older})
        texts = [n.text for n in second.context["page"]]
        assert texts == [f"Событие {i}" for i in range(4, -1, -1)]
        assert second.context["older"] is None and "В начало" in second.text

    def test_a_bad_cursor_shows_the_first_page(self, events, client_a, manager_a):
        _notify(manager_a, 2)
        response = client_a.get(reverse("notifications:list"), {"before": "x'--"})
        assert response.status_code == 200 and len(response.context["page"]) == 2

    def test_an_empty_centre_says_so(self, events, client_a):
        page = client_a.get(reverse("notifications:list")).text
        assert "Уведомлений пока нет." in page and "Отметить все прочитанными" not in page

    def test_clicking_marks_it_read_and_goes_to_its_page(self, events, client_a, manager_a):
        (n,) = _notify(manager_a, 1)
        response = client_a.get(reverse("notifications:open", args=[n.pk]))
        assert response.status_code == 302 and response["Location"] == "/deals/"
        n.refresh_from_db()
        assert n.is_read

    def test_a_foreign_address_is_never_followed(self, events, client_a, manager_a):
        n = notify(user=manager_a, event="test.quiet", text="а", url="https://evil.example/")
        response = client_a.get(reverse("notifications:open", args=[n.pk]))
        assert response["Location"] == reverse("notifications:list")

    def test_another_persons_notification_is_not_found(self, events, client_b, manager_a):
        (n,) = _notify(manager_a, 1)
        assert client_b.get(reverse("notifications:open", args=[n.pk])).status_code == 404
        assert client_b.post(reverse("notifications:read", args=[n.pk])).status_code == 404
        n.refresh_from_db()
        assert not n.is_read

    def test_one_is_marked_read_from_the_list(self, events, client_a, manager_a):
        a, b = _notify(manager_a, 2)
        response = client_a.post(
            reverse("notifications:read", args=[a.pk]), {"next": "/notifications/?before=99"}
        )
        assert response["Location"] == "/notifications/?before=99"
        assert list(Notification.objects.filter(read_at__isnull=True)) == [b]

    def test_mark_all_read_touches_only_ones_own(self, events, client_a, manager_a, manager_b):
        _notify(manager_a, 3)
        _notify(manager_b, 2)
        response = client_a.post(reverse("notifications:read_all"), follow=True)
        assert "Все уведомления отмечены прочитанными." in response.text
        assert notifications.unread_count(manager_a) == 0
        assert notifications.unread_count(manager_b) == 2
        assert 'data-unread="' not in response.text


class TestSettings:
    def test_every_event_is_offered_with_the_current_choice(self, client_a):
        response = client_a.get(reverse("notifications:settings"))
        assert response.status_code == 200
        for event in notifications.events():
            assert event.label in response.text
        form = response.context["form"]
        assert form["client.opened"].initial == "email"  # e-mailed before, so by default
        assert form["task.due"].initial == "app"
        assert "Только в приложении" in response.text
        assert "В приложении и по почте" in response.text

    def test_the_choice_is_kept_and_followed(self, client_a, manager_a):
        data = {e.code: "email" for e in notifications.events()} | {"client.opened": "app"}
        response = client_a.post(reverse("notifications:settings"), data, follow=True)
        assert "Настройки уведомлений сохранены." in response.text
        assert notifications.wants_email(manager_a, "client.opened") is False
        assert notifications.wants_email(manager_a, "task.due") is True
        assert response.context["form"]["client.opened"].value() == "app"

    def test_a_missing_choice_is_explained_and_nothing_is_saved(self, client_a):
        data = {e.code: "email" for e in notifications.events()}
        del data["task.due"]
        response = client_a.post(reverse("notifications:settings"), data)
        assert response.status_code == 200
        assert "Выберите, как сообщать об этом событии." in response.text
        assert not NotificationPreference.objects.exists()

    def test_no_email_address_is_warned_about(self, client_a, manager_a):
        manager_a.email = ""
        manager_a.save()
        page = client_a.get(reverse("notifications:settings")).text
        assert "не указан e-mail" in page

    def test_the_menu_links_the_settings(self, client_a):
        page = client_a.get(reverse("deals:list")).text
        assert f'href="{reverse("notifications:settings")}"' in page
