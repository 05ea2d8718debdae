"""Every figure of the report for the hand-built March 2025 in conftest.py."""

import html
import re
from decimal import Decimal

from django.urls import reverse

from analytics import funnel
from analytics.funnel import Period

D = Decimal


def report_for(user, period, **kwargs):
    return funnel.build_report(funnel.scope_for(user, **kwargs), period)


def test_cohort_counts_each_stage_reached_with_skips_and_reopens(history, head, march):
    c = report_for(head, march).cohort
    h = history
    assert c.created == 9
    assert c.created_sum == D("2530000.00")
    rows = {row.stage.pk: row for row in c.stages}
    expected = {
        # stage: reached, sum, from previous %, from start %, lost, still
        h.N.pk: (9, "2530000.00", "100.0", "100.0", 1, 2),
        h.Q.pk: (6, "2250000.00", "66.7", "66.7", 0, 1),
        h.B.pk: (5, "1250000.00", "83.3", "55.6", 1, 0),
        h.K.pk: (4, "1050000.00", "80.0", "44.4", 1, 0),
        h.D.pk: (3, "750000.00", "75.0", "33.3", 0, 0),
        h.S.pk: (3, "750000.00", "100.0", "33.3", 0, 1),
    }
    for pk, (reached, total, conv_prev, conv_start, lost, still) in expected.items():
        row = rows[pk]
        assert (row.reached, row.reached_sum) == (reached, D(total)), row.stage
        assert (row.conversion_prev, row.conversion_start) == (D(conv_prev), D(conv_start))
        assert (row.lost, row.still) == (lost, still), row.stage
    assert rows[h.N.pk].still_sum == D("130000.00")
    assert rows[h.B.pk].lost_reasons == [{"reason": h.R1, "key": h.R1.pk, "count": 1}]
    assert rows[h.N.pk].lost_reasons == [{"reason": h.R2, "key": h.R2.pk, "count": 1}]


def test_cohort_won_and_lost(history, head, march):
    c = report_for(head, march).cohort
    assert (c.won, c.won_sum, c.won_average) == (2, D("500000.00"), D("250000.00"))
    assert c.won_days == D("19.0")  # 18 and 20 days from creation
    assert (c.won_conversion_prev, c.won_conversion_start) == (D("66.7"), D("22.2"))
    assert (c.lost, c.lost_sum) == (3, D("650000.00"))
    # Every deal of the cohort is exactly one of: won, lost, still open at a stage.
    assert c.won + c.lost + sum(r.still for r in c.stages) == c.created


def test_cohort_loss_table_by_stage_and_reason(history, head, march):
    h = history
    losses = report_for(head, march).cohort.losses
    assert [r.stage for r in losses.rows] == [h.N, h.B, h.K]
    assert losses.reasons == [h.R1, h.R2]
    cells = {
        (row.stage.pk, reason): (cell.count, cell.total)
        for row in losses.rows
        for reason, cell in row.cells.items()
    }
    assert cells == {
        (h.N.pk, h.R1.pk): (0, D("0.00")),
        (h.N.pk, h.R2.pk): (1, D("150000.00")),
        (h.B.pk, h.R1.pk): (1, D("200000.00")),
        (h.B.pk, h.R2.pk): (0, D("0.00")),
        (h.K.pk, h.R1.pk): (1, D("300000.00")),  # deal 03: lost at Q first, then at K
        (h.K.pk, h.R2.pk): (0, D("0.00")),
    }
    totals = {k: (v.count, v.total) for k, v in losses.column_totals.items()}
    assert totals == {h.R1.pk: (2, D("500000.00")), h.R2.pk: (1, D("150000.00"))}
    assert (losses.total.count, losses.total.total) == (3, D("650000.00"))


def test_flow_counts_what_happened_in_the_period(history, head, march):
    h = history
    f = report_for(head, march).flow
    entered = {row.stage.pk: row.entered for row in f.stages}
    assert entered == {h.N.pk: 9, h.Q.pk: 4, h.B.pk: 3, h.K.pk: 4, h.D.pk: 2, h.S.pk: 2}
    # 01, 04, the January deal 09 and 10 (won, then reopened)
    assert (f.won, f.won_sum) == (4, D("1450000.00"))
    assert (f.lost, f.lost_sum) == (4, D("1150000.00"))
    lost = {row.stage.pk: (row.lost, row.lost_sum) for row in f.stages}
    assert lost == {
        h.N.pk: (1, D("150000.00")),
        h.Q.pk: (0, D("0.00")),  # deal 03 was lost at Q too, but last at K
        h.B.pk: (1, D("200000.00")),
        h.K.pk: (1, D("300000.00")),
        h.D.pk: (1, D("500000.00")),  # the February deal
        h.S.pk: (0, D("0.00")),
    }
    cells = {
        (row.stage.pk, reason): cell.count
        for row in f.losses.rows
        for reason, cell in row.cells.items()
        if cell.count
    }
    assert cells == {
        (h.N.pk, h.R2.pk): 1,
        (h.B.pk, h.R1.pk): 1,
        (h.K.pk, h.R1.pk): 1,
        (h.D.pk, h.R3.pk): 1,
    }
    assert f.losses.reasons == [h.R1, h.R2, h.R3]


def test_previous_period_comparison(history, head, march):
    h = history
    report = report_for(head, march)
    assert report.previous == Period.month_of(march.start.replace(month=2))
    pc = report.previous_cohort
    assert (pc.created, pc.won, pc.lost) == (1, 0, 1)
    deltas = {row.stage.pk: (row.prev_reached, row.delta) for row in report.cohort.stages}
    assert deltas == {
        h.N.pk: (1, 8),
        h.Q.pk: (1, 5),
        h.B.pk: (1, 4),
        h.K.pk: (1, 3),
        h.D.pk: (1, 2),
        h.S.pk: (0, 3),
    }
    flow_deltas = {row.stage.pk: (row.prev_entered, row.delta) for row in report.flow.stages}
    assert flow_deltas[h.N.pk] == (1, 8)
    assert flow_deltas[h.Q.pk] == (1, 3)
    assert flow_deltas[h.B.pk] == (1, 2)  # the January deal reached the brief in February
    assert (report.previous_flow.won, report.previous_flow.lost) == (0, 0)


def test_time_in_stage_median_and_90th_percentile(history, head, march):
    h = history
    rows = {
        row.stage.pk: (row.left, row.median, row.p90)
        for row in report_for(head, march).time_in_stage
    }
    assert rows == {
        h.N.pk: (7, D("1.0"), D("2.0")),  # 1 1 1 1 1 2 2
        h.Q.pk: (4, D("5.0"), D("8.4")),  # 2 3 7 9 (06 came to Q in February)
        h.B.pk: (4, D("6.0"), D("15.4")),  # 4 5 7 19
        h.K.pk: (4, D("3.0"), D("13.8")),  # 2 2 4 18
        h.D.pk: (2, D("5.5"), D("7.5")),  # 3 8
        h.S.pk: (1, D("5.0"), D("5.0")),
    }


def test_per_manager_table(history, head, march):
    rows = report_for(head, march).managers
    table = [(m.name, m.created, m.won, m.lost, m.conversion, m.won_sum, m.idle) for m in rows]
    assert table == [
        ("Анна", 5, 2, 2, D("40.0"), D("500000.00"), 1),
        ("Борис", 4, 0, 1, D("0.0"), D("0.00"), 1),
    ]


def test_source_filter(history, head, march):
    report = report_for(head, march, source="website")
    assert report.cohort.created == 2
    assert (report.cohort.won, report.cohort.lost) == (1, 1)


def test_a_manager_sees_only_their_own_deals(history, manager_a, manager_b, march):
    own = report_for(manager_a, march)
    assert own.cohort.created == 5  # deal 08 of B, where A holds a task, is not A's funnel
    assert [m.name for m in own.managers] == ["Анна"]
    assert own.flow.won == 2
    # Asking for another manager changes nothing: the scope is forced to the user.
    forced = report_for(manager_a, march, manager=manager_b)
    assert forced.cohort.created == 5


def test_head_can_pick_a_manager(history, head, manager_b, march):
    report = report_for(head, march, manager=manager_b)
    assert report.cohort.created == 4
    assert report.flow.won == 2  # 09 and 10
    assert [m.name for m in report.managers] == ["Борис"]


def test_months_are_cut_at_local_midnight(history, head):
    april = Period.month_of(history.deals["13"].created_at.date())
    report = report_for(head, april)
    assert report.cohort.created == 2  # 11 and 13, not 12 created at 23:30 on 31 March


# Through the pages


def _drill_links(page: str) -> list[tuple[str, int]]:
    return [
        (html.unescape(href), int(text))
        for href, text in re.findall(r'<a href="([^"]+)" class="drill">(\d+)</a>', page)
    ]


def test_page_shows_the_report(history, client_head):
    response = client_head.get(reverse("analytics:funnel"), {"month": "2025-03"})
    assert response.status_code == 200
    page = response.text
    assert "Воронка продаж: Март 2025" in page
    assert "← Февраль 2025" in page and "Апрель 2025 →" in page
    assert "<svg" in page and 'style="' not in page
    assert "Средняя сделка 250\u00a0000,00 ₽, в среднем 19,0 дн." in page
    assert "▲ +8" in page


def test_every_number_opens_exactly_its_deals(history, client_head, client_a):
    for client in (client_head, client_a):
        page = client.get(reverse("analytics:funnel"), {"month": "2025-03"}).text
        links = _drill_links(page)
        assert len(links) > 30
        for url, number in links:
            response = client.get(url)
            assert response.status_code == 200, url
            found = re.search(r'<strong class="deal-count">(\d+)</strong>', response.text)
            assert int(found.group(1)) == number, url
            assert response.text.count('<tr class="') == number, url


def test_drill_down_lists_the_deals_of_a_loss_cell(history, client_head):
    h = history
    response = client_head.get(
        reverse("analytics:funnel_deals"),
        {"month": "2025-03", "basis": "cohort", "metric": "lost", "reason": h.R1.pk},
    )
    assert "Сделка-02" in response.text and "Сделка-03" in response.text
    assert "Сделка-08" not in response.text
    assert "Созданные в периоде: проиграны, причина «Дорого»" in response.text
    response = client_head.get(
        reverse("analytics:funnel_deals"),
        {"month": "2025-03", "basis": "flow", "metric": "lost", "stage": h.D.pk, "reason": h.R3.pk},
    )
    assert "Сделка-06" in response.text
    assert response.text.count("Сделка-") == 1


def test_drill_down_of_an_unknown_figure_is_404(history, client_head):
    url = reverse("analytics:funnel_deals")
    assert client_head.get(url, {"basis": "cohort", "metric": "nope"}).status_code == 404
    assert (
        client_head.get(url, {"basis": "flow", "metric": "entered", "stage": "x"}).status_code
        == 404
    )
    assert client_head.get(url, {"basis": "cohort", "metric": "reached"}).status_code == 404


def test_a_manager_cannot_pick_another_manager(history, client_a, manager_b):
    response = client_a.get(
        reverse("analytics:funnel"), {"month": "2025-03", "manager": manager_b.pk}
    )
    assert response.status_code == 400
    assert "вы можете смотреть только доступные вам сделки" in response.text
    response = client_a.get(
        reverse("analytics:funnel_deals"),
        {"month": "2025-03", "manager": manager_b.pk, "basis": "cohort", "metric": "created"},
    )
    assert response.status_code == 400
    assert "Сделка-07" not in response.text and "Сделка-08" not in response.text


def test_a_managers_drill_down_never_lists_another_managers_deal(history, client_a):
    for metric in ("created", "lost", "won"):
        for month in ("2025-03", "2025-02", "2025-01"):
            response = client_a.get(
                reverse("analytics:funnel_deals"),
                {"month": month, "basis": "cohort", "metric": metric},
            )
            for key in ("07", "08", "09", "10", "11", "12", "13"):
                assert f"Сделка-{key}" not in response.text
    response = client_a.get(
        reverse("analytics:funnel_deals"), {"month": "2025-03", "basis": "flow", "metric": "won"}
    )
    assert "Сделка-01" in response.text and "Сделка-09" not in response.text


def test_the_manager_filter_is_only_for_the_head(history, client_a, client_head):
    assert 'name="manager"' not in client_a.get(reverse("analytics:funnel")).text
    assert 'name="manager"' in client_head.get(reverse("analytics:funnel")).text


def test_bad_dates_keep_the_input_and_explain(history, client_head):
    response = client_head.get(
        reverse("analytics:funnel"), {"date_from": "2025-03-10", "date_to": "2025-03-01"}
    )
    assert response.status_code == 400
    assert "Конец периода раньше начала." in response.text
    assert 'value="2025-03-10"' in response.text
    response = client_head.get(reverse("analytics:funnel"), {"month": "2025-13"})
    assert "Месяц указывается как ГГГГ-ММ" in response.text


def test_a_date_range_and_its_neighbours(history, client_head):
    response = client_head.get(
        reverse("analytics:funnel"), {"date_from": "2025-03-01", "date_to": "2025-03-10"}
    )
    assert response.status_code == 200
    assert "01.03.2025 – 10.03.2025" in response.text
    assert "date_from=2025-02-19&amp;date_to=2025-02-28" in response.text
    assert response.context["report"].cohort.created == 6  # 01–05 and 07 (06 is February's)


def test_the_menu_has_analytics(client_a):
    response = client_a.get(reverse("deals:list"))
    assert f'href="{reverse("analytics:funnel")}"' in response.text
    assert "Аналитика" in response.text


def test_anonymous_is_sent_to_login(anon):
    response = anon.get(reverse("analytics:funnel"))
    assert response.status_code == 302 and "/login/" in response["Location"]
