"""The task calendar's grid: a week or a month, Monday first, days in TIME_ZONE."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from crm.formats import MONTHS_GENITIVE, MONTHS_NOMINATIVE

MONTHS = MONTHS_NOMINATIVE
WEEKDAYS = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
# Rows one page fetches at most; a month cell lists a few tasks and counts the rest.
MAX_TASKS = 2000
CELL_SIZE = 4


@dataclass
class Day:
    date: date
    in_range: bool
    is_today: bool
    tasks: list = field(default_factory=list)

    @property
    def shown(self) -> list:
        return self.tasks[:CELL_SIZE]

    @property
    def more(self) -> int:
        return max(len(self.tasks) - CELL_SIZE, 0)


@dataclass
class Grid:
    view: str
    day: date
    title: str
    weeks: list[list[Day]]
    prev: date
    next: date
    today: date

    @property
    def weekdays(self) -> list[str]:
        return WEEKDAYS

    @property
    def starts(self) -> datetime:
        return _midnight(self.weeks[0][0].date)

    @property
    def ends(self) -> datetime:
        return _midnight(self.weeks[-1][-1].date + timedelta(days=1))

    def place(self, tasks) -> None:
        """Put each task in the cell of its local due day."""
        days = {d.date: d for week in self.weeks for d in week}
        for task in tasks:
            cell = days.get(timezone.localtime(task.due_at).date())
            if cell is not None:
                cell.tasks.append(task)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def parse_day(text: str | None) -> date:
    """The day asked for (YYYY-MM-DD); today in TIME_ZONE for anything else."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return timezone.localdate()
    if not 1900 <= day.year <= 2200:
        return timezone.localdate()
    return day


def span_title(first: date, last: date) -> str:
    """«9–15 марта 2026», «30 марта – 5 апреля 2026», «29 декабря 2025 – 4 января 2026»."""
    end = f"{last.day} {MONTHS_GENITIVE[last.month - 1]} {last.year}"
    if first.year != last.year:
        return f"{first.day} {MONTHS_GENITIVE[first.month - 1]} {first.year} – {end}"
    if first.month != last.month:
        return f"{first.day} {MONTHS_GENITIVE[first.month - 1]} – {end}"
    return f"{first.day}–{end}"


def build(view: str, day: date) -> Grid:
    today = timezone.localdate()
    if view == "month":
        month_first = day.replace(day=1)
        month_last = month_first.replace(day=calendar.monthrange(day.year, day.month)[1])
        first = month_first - timedelta(days=month_first.weekday())
        last = month_last + timedelta(days=6 - month_last.weekday())
        title = f"{MONTHS[day.month - 1]} {day.year}"
        prev = (month_first - timedelta(days=1)).replace(day=1)
        following = month_last + timedelta(days=1)
        in_range = (month_first, month_last)
    else:
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
        title = span_title(first, last)
        prev, following = day - timedelta(days=7), day + timedelta(days=7)
        in_range = (first, last)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    cells = [Day(d, in_range[0] <= d <= in_range[1], d == today) for d in days]
    weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    return Grid(
        view=view, day=day, title=title, weeks=weeks, prev=prev, next=following, today=today
    )
