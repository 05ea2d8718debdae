"""Working time and task due dates, always in TIME_ZONE: when a lead's first task is due,
the presets of the due field and the default due of a new task."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})\s*$")
DAY_NAMES = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
# «Завтра в 10:00», «в понедельник»: the hour a person means by «in the morning».
MORNING = time(10, 0)
PRESETS = {
    "hour": "Через час",
    "tomorrow": "Завтра в 10:00",
    "monday": "В понедельник",
}


@dataclass(frozen=True)
class WorkTime:
    start: time
    end: time
    days: frozenset[int]  # ISO weekdays, 1 = Monday

    def __str__(self):
        days = ", ".join(DAY_NAMES[d - 1] for d in sorted(self.days))
        return f"{self.start:%H:%M}–{self.end:%H:%M}, {days}"

    @property
    def morning(self) -> time:
        return MORNING if self.start <= MORNING < self.end else self.start


def parse_hours(text: str) -> tuple[time, time]:
    """«9:00-18:00» → (9:00, 18:00). Raises ValidationError in Russian."""
    match = HOURS_RE.match(text or "")
    error = ValidationError("Укажите часы так: 9:00-18:00 (начало раньше конца).")
    if not match:
        raise error
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise error
    start, end = time(h1, m1), time(h2, m2)
    if start >= end:
        raise error
    return start, end


def parse_days(text: str) -> frozenset[int]:
    """«1-5» or «1,2,3,4,5,6» (1 = Monday) → ISO weekdays. Raises ValidationError."""
    error = ValidationError("Укажите дни недели числами от 1 (пн) до 7 (вс): 1-5 или 1,2,3,4,5.")
    days: set[int] = set()
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        bounds = part.split("-")
        if len(bounds) > 2 or not all(b.isdigit() for b in bounds):
            raise error
        first, last = int(bounds[0]), int(bounds[-1])
        if not 1 <= first <= last <= 7:
            raise error
        days.update(range(first, last + 1))
    if not days:
        raise error
    return frozenset(days)


def validate_hours(text: str) -> None:
    parse_hours(text)


def validate_days(text: str) -> None:
    parse_days(text)


def work_time(hours: str = "", days: str = "") -> WorkTime:
    """The working time of a source: its own hours and days where set, else the settings'
    (WORK_HOURS, WORK_DAYS)."""
    try:
        start, end = parse_hours(hours or settings.WORK_HOURS)
        weekdays = parse_days(days or settings.WORK_DAYS)
    except ValidationError as exc:
        raise ImproperlyConfigured(f"WORK_HOURS / WORK_DAYS: {exc.messages[0]}") from exc
    return WorkTime(start=start, end=end, days=weekdays)


def now() -> datetime:
    """The current moment; tests replace it to stand at a chosen time."""
    return timezone.now()


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def add_work_minutes(at: datetime, minutes: int, work: WorkTime) -> datetime:
    """The moment `minutes` of working time after `at`: a lead at 17:50 with 30 minutes is
    due at 9:20 the next working day, a lead at 20:00 on Friday at 9:30 on Monday."""
    cursor = timezone.localtime(at)
    remaining = timedelta(minutes=max(minutes, 0))
    day = cursor.date()
    for _ in range(8 * 7):
        if day.isoweekday() in work.days:
            opens, closes = _at(day, work.start), _at(day, work.end)
            begin = max(cursor, opens)
            if begin < closes:
                if begin + remaining <= closes:
                    return begin + remaining
                remaining -= closes - begin
        day += timedelta(days=1)
        cursor = _at(day, time(0, 0))
    raise ImproperlyConfigured("Рабочее время не задано: нет ни одного рабочего дня.")


def preset_due(key: str, at: datetime | None = None) -> datetime:
    """The due moment of a preset button, counted from `at` (now) in TIME_ZONE. KeyError for
    an unknown preset."""
    local = timezone.localtime(at or now())
    if key == "hour":
        return (local + timedelta(hours=1)).replace(second=0, microsecond=0)
    if key == "tomorrow":
        return _at(local.date() + timedelta(days=1), MORNING)
    if key == "monday":
        return _at(local.date() + timedelta(days=7 - local.weekday()), MORNING)
    raise KeyError(key)


def default_due(at: datetime | None = None, work: WorkTime | None = None) -> datetime:
    """The due a new task's form offers: the next full hour when it falls inside working
    time, otherwise the next working morning."""
    work = work or work_time()
    local = timezone.localtime(at or now())
    candidate = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if (
        candidate.isoweekday() in work.days
        and candidate.date() == local.date()
        and work.start <= candidate.time() <= work.end
    ):
        return candidate
    if local.isoweekday() in work.days and local.time() < work.start:
        return _at(local.date(), work.morning)
    day = local.date() + timedelta(days=1)
    while day.isoweekday() not in work.days:
        day += timedelta(days=1)
    return _at(day, work.morning)
