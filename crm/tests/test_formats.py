from datetime import timedelta

import pytest

from crm.formats import duration_words


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(minutes=15), "15 минут"),
        (timedelta(minutes=1), "1 минуту"),
        (timedelta(minutes=2), "2 минуты"),
        (timedelta(minutes=11), "11 минут"),
        (timedelta(minutes=21), "21 минуту"),
        (timedelta(minutes=90), "1 час 30 минут"),
        (timedelta(hours=2), "2 часа"),
        (timedelta(hours=5), "5 часов"),
        (timedelta(days=1, minutes=3), "1 день 3 минуты"),
        (timedelta(seconds=30), "30 секунд"),
        (timedelta(seconds=31), "31 секунду"),
        (timedelta(0), "0 секунд"),
    ],
)
def test_a_duration_reads_in_russian_words_after_cherez(value, words):
    assert duration_words(value) == words
