import datetime

from django.urls import reverse, set_script_prefix
from django.utils import timezone

from crm.rows import row_url, short_datetime


def test_a_row_url_is_the_reversed_url_with_the_rows_numbers():
    for name, args in [
        ("deals:detail", [7]),
        ("deals:detail", [1234567]),
        ("deals:task_edit", [12, 3]),
        ("deals:task_complete", [5, 987654321]),
        ("deals:my_tasks", []),
    ]:
        assert row_url(name, *args) == reverse(name, args=args)


def test_a_row_url_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert row_url("deals:detail", 7) == reverse("deals:detail", args=[7])
        assert row_url("deals:detail", 7).startswith("/crm/")
    finally:
        set_script_prefix("/")


def test_a_short_datetime_is_the_local_time_as_the_date_filter_writes_it():
    moment = datetime.datetime(2025, 12, 31, 15, 30, tzinfo=datetime.UTC)
    local = timezone.localtime(moment)
    assert short_datetime(moment) == local.strftime("%d.%m.%Y %H:%M")
    assert short_datetime(moment) == "31.12.2025 18:30"
    assert short_datetime(None) == ""
