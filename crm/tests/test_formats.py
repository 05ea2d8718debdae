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


def test_a_long_date_never_breaks_across_lines():
    from datetime import date

    from crm.formats import date_long

    # No-break spaces between the day, the month, the year and «г.».
    assert date_long(date(2026, 11, 26)) == "26\xa0ноября\xa02026\xa0г."


def test_an_amount_keeps_its_groups_together():
    from crm.formats import money

    assert money("38085.65") == "38\xa0085,65"


def test_in_a_narrow_column_of_a_pdf_a_date_and_an_amount_stay_whole():
    from datetime import date

    from crm.formats import date_long, money
    from crm.pdf import render_pdf
    from crm.testing import pdf_spans

    # A column narrower than either phrase: with plain spaces each would be broken in two.
    html = (
        '<div style="width: 20mm">'
        f"<p>{date_long(date(2026, 11, 26))}</p>"
        f"<p>{money('38085.65')}\xa0руб.</p>"
        "</div>"
    )
    spans = pdf_spans(render_pdf(html, label="test"))
    tops = {span.text.replace("\xa0", " "): span.top for span in spans}
    assert "26 ноября 2026 г." in tops, tops
    assert "38 085,65 руб." in tops, tops
