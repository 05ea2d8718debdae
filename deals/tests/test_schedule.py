"""Working time and the due presets, counted in TIME_ZONE (Europe/Moscow, UTC+3)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from deals import schedule

MSK = ZoneInfo("Europe/Moscow")
UTC = ZoneInfo("UTC")
OFFICE = schedule.WorkTime(
    start=datetime(2026, 1, 1, 9).time(),
    end=datetime(2026, 1, 1, 18).time(),
    days=frozenset(range(1, 6)),
)


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.mark.parametrize(
    ("at", "minutes", "due"),
    [
        (msk(2026, 3, 13, 20, 0), 30, msk(2026, 3, 16, 9, 30)),  # Friday evening → Monday
        (msk(2026, 3, 10, 10, 0), 30, msk(2026, 3, 10, 10, 30)),  # inside working hours
        (msk(2026, 3, 10, 17, 50), 30, msk(2026, 3, 11, 9, 20)),  # 10 min today, 20 tomorrow
        (msk(2026, 3, 10, 7, 15), 15, msk(2026, 3, 10, 9, 15)),  # before opening
        (msk(2026, 3, 14, 12, 0), 60, msk(2026, 3, 16, 10, 0)),  # Saturday
        (msk(2026, 12, 31, 17, 45), 30, msk(2027, 1, 1, 9, 15)),  # a working 1 January
    ],
)
def test_a_lead_task_is_due_within_working_minutes(at, minutes, due):
    assert schedule.add_work_minutes(at, minutes, OFFICE) == due


def test_a_source_may_work_on_saturdays_and_longer(settings):
    work = schedule.work_time("10:00-20:00", "1-6")
    assert schedule.add_work_minutes(msk(2026, 3, 13, 19, 50), 30, work) == msk(2026, 3, 14, 10, 20)
    settings.WORK_HOURS, settings.WORK_DAYS = "8:00-17:00", "1,2,3,4,5"
    assert schedule.work_time() == schedule.WorkTime(
        start=datetime(2026, 1, 1, 8).time(),
        end=datetime(2026, 1, 1, 17).time(),
        days=frozenset(range(1, 6)),
    )


@pytest.mark.parametrize("hours", ["18:00-9:00", "9-18", "25:00-26:00", "9:00"])
def test_wrong_hours_are_refused_in_russian(hours):
    with pytest.raises(ValidationError, match="Укажите часы так: 9:00-18:00"):
        schedule.parse_hours(hours)


@pytest.mark.parametrize("days", ["0-5", "8", "5-1", "пн-пт", ""])
def test_wrong_days_are_refused_in_russian(days):
    with pytest.raises(ValidationError, match="Укажите дни недели"):
        schedule.parse_days(days)


def test_presets_cross_new_year_in_the_local_time_zone():
    now = msk(2026, 12, 31, 23, 30)
    assert schedule.preset_due("hour", now) == msk(2027, 1, 1, 0, 30)
    assert schedule.preset_due("tomorrow", now) == msk(2027, 1, 1, 10, 0)
    assert schedule.preset_due("monday", now) == msk(2027, 1, 4, 10, 0)


def test_presets_count_days_in_moscow_not_in_utc():
    # 22:30 UTC on Monday is already 01:30 on Tuesday in Moscow.
    now = datetime(2026, 3, 9, 22, 30, tzinfo=UTC)
    assert schedule.preset_due("tomorrow", now) == msk(2026, 3, 11, 10, 0)
    assert schedule.preset_due("monday", now) == msk(2026, 3, 16, 10, 0)


def test_on_a_monday_the_monday_preset_is_next_week():
    assert schedule.preset_due("monday", msk(2026, 3, 16, 8, 0)) == msk(2026, 3, 23, 10, 0)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (msk(2026, 3, 10, 10, 17), msk(2026, 3, 10, 11, 0)),
        (msk(2026, 3, 10, 7, 0), msk(2026, 3, 10, 10, 0)),
        (msk(2026, 3, 13, 18, 10), msk(2026, 3, 16, 10, 0)),
        (msk(2026, 12, 31, 23, 40), msk(2027, 1, 1, 10, 0)),
    ],
)
def test_a_new_task_is_offered_the_next_working_hour_or_morning(now, due):
    assert schedule.default_due(now, OFFICE) == due


def test_unreadable_working_time_settings_stop_the_start(settings):
    from deals.checks import working_time_is_readable

    assert working_time_is_readable(None) == []
    settings.WORK_HOURS = "с девяти до шести"
    [error] = working_time_is_readable(None)
    assert error.id == "deals.E001" and "Укажите часы так" in error.msg
