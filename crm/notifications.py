"""The notification centre: what happened that a person should know, in the app (the bell
in the top bar, /notifications/) and, if they want that event by e-mail, in the outbox.

crm knows no business area: each app registers its events in AppConfig.ready() with
register(), and tells a person about one through notify()."""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .formats import plural
from .mail import email_queue
from .models import Notification, NotificationPreference

MAX_BADGE = 99
# A notification is one line; the no-break spaces that keep «5 марта 2026 г.» together stay.
LINE_BREAKS = re.compile(r"[ \t\r\n\f\v]+")


@dataclass(frozen=True)
class Event:
    """A kind of notification. `label` names it on the settings page («Клиент открыл
    документ»); `email` is the default for people who have not chosen; `digest` puts it in
    the morning e-mail among yesterday's events of clients."""

    code: str
    label: str
    email: bool = False
    digest: bool = False
    order: int = 100


@dataclass(frozen=True)
class Email:
    """The e-mail that goes with a notification when its person wants the event by e-mail:
    templates/emails/<template>-subject.txt, -body.txt and -body.html, rendered with
    `context` (and `user`, the recipient)."""

    template: str
    context: dict = field(default_factory=dict)
    reply_to: str = ""


_events: dict[str, Event] = {}


def register(event: Event) -> None:
    _events[event.code] = event


def events() -> list[Event]:
    return sorted(_events.values(), key=lambda e: (e.order, e.code))


def get_event(code: str) -> Event:
    try:
        return _events[code]
    except KeyError:
        raise ValueError(f"unknown notification event {code!r}: register it first") from None


def digest_events() -> list[str]:
    return [e.code for e in events() if e.digest]


def notify(
    *,
    user,
    event: str,
    text: str,
    url: str = "",
    dedupe_key: str | None = None,
    email: Email | None = None,
) -> Notification | None:
    """Tell `user` about an event: a line in their notification centre and, when they want
    this event by e-mail (their choice, else the event's default), the e-mail `email` through
    the outbox. With `dedupe_key` (naming the event, e.g. «opened:documents.proposal:7») the
    person is told once: a repeat returns None and queues nothing. Call it inside the
    transaction of the change it reports: a rollback takes the notification back too. Returns
    None, creating nothing, for no user or an inactive one."""
    spec = get_event(event)
    if user is None or not user.is_active:
        return None
    if dedupe_key is not None:
        dedupe_key = dedupe_key[:200]
    notification = Notification(
        user=user,
        event=spec.code,
        text=LINE_BREAKS.sub(" ", text).strip()[:500],
        url=url[:500],
        dedupe_key=dedupe_key,
        created_at=timezone.now(),
    )
    if dedupe_key is None:
        notification.save(force_insert=True)
    else:
        try:
            # A savepoint: a concurrent duplicate must not break the caller's transaction.
            with transaction.atomic():
                notification.save(force_insert=True)
        except IntegrityError:
            return None
    if email is not None and wants_email(user, spec.code):
        email_queue(
            event_key=dedupe_key or f"notification:{notification.pk}",
            to=user.email,
            template=email.template,
            context={"user": user, **email.context},
            reply_to=email.reply_to,
        )
    return notification


def wants_email(user, event: str) -> bool:
    chosen = (
        NotificationPreference.objects.filter(user=user, event=event)
        .values_list("email", flat=True)
        .first()
    )
    return get_event(event).email if chosen is None else chosen


def preferences(user) -> dict[str, bool]:
    """Every registered event's code → whether `user` gets it by e-mail too."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("event", "email"))
    return {e.code: chosen.get(e.code, e.email) for e in events()}


@transaction.atomic
def preferences_save(*, user, email: dict[str, bool]) -> None:
    """Store the person's choice for every event in `email` (code → also by e-mail)."""
    for code, by_email in email.items():
        get_event(code)
        NotificationPreference.objects.update_or_create(
            user=user, event=code, defaults={"email": by_email}
        )


def unread_count(user) -> int:
    """One query on the partial index of unread notifications."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def unread_words(count: int) -> str:
    """«1 непрочитанное уведомление», «3 непрочитанных уведомления», «нет непрочитанных»."""
    if not count:
        return "Непрочитанных уведомлений нет"
    adjective = plural(count, "непрочитанное", "непрочитанных", "непрочитанных")
    noun = plural(count, "уведомление", "уведомления", "уведомлений")
    return f"{count} {adjective} {noun}"


def bell(user) -> dict:
    """What the bell in the top bar shows (includes/_notification_bell.html)."""
    count = unread_count(user)
    return {
        "unread": count,
        "unread_badge": f"{MAX_BADGE}+" if count > MAX_BADGE else str(count),
        "unread_words": unread_words(count),
        "poll_seconds": settings.NOTIFICATIONS_POLL_SECONDS,
    }


def mark_read(*, user, notifications: QuerySet | None = None) -> int:
    """Mark the person's unread notifications read (all, or those of `notifications`);
    another person's never change. Returns how many."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notifications is not None:
        rows = rows.filter(pk__in=notifications.values("pk"))
    return rows.update(read_at=timezone.now())
