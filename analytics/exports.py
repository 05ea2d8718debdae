"""The report's tables as plain rows, and their CSV and XLSX files."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from crm.spreadsheets import csv_value, safe_cell

from .funnel import FunnelReport, LossTable


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list]


def _reason_name(reason) -> str:
    return str(reason) if reason else "Причина не указана"


def _stage_name(stage) -> str:
    return str(stage) if stage else "Без этапа"


def cohort_table(report: FunnelReport) -> Table:
    c = report.cohort
    rows = [
        [
            r.stage.name,
            r.reached,
            r.reached_sum,
            r.conversion_prev,
            r.conversion_start,
            r.lost,
            r.lost_sum,
            r.still,
            r.prev_reached,
            r.delta,
        ]
        for r in c.stages
    ]
    previous = report.previous_cohort
    rows.append(
        [
            "Выиграны",
            c.won,
            c.won_sum,
            c.won_conversion_prev,
            c.won_conversion_start,
            None,
            None,
            None,
            previous.won,
            c.won - previous.won,
        ]
    )
    rows.append(["Проиграны, всего", c.lost, c.lost_sum, None, None, None, None, None, None, None])
    return Table(
        "cohort",
        f"Когорта: сделки, созданные в периоде {report.period.label}",
        [
            "Этап",
            "Дошли до этапа",
            "Сумма, ₽",
            "Конверсия из предыдущего, %",
            "Конверсия от начала, %",
            "Проиграны на этапе",
            "Сумма проигранных, ₽",
            "Сейчас на этапе",
            f"Дошли в периоде {report.previous.label}",
            "Изменение",
        ],
        rows,
    )


def flow_table(report: FunnelReport) -> Table:
    f = report.flow
    rows = [
        [r.stage.name, r.entered, r.prev_entered, r.delta, r.lost, r.lost_sum] for r in f.stages
    ]
    previous = report.previous_flow
    rows.append(["Выиграны", f.won, previous.won, f.won - previous.won, None, None])
    won_sum_delta = f.won_sum - previous.won_sum
    rows.append(["Выиграны, сумма, ₽", f.won_sum, previous.won_sum, won_sum_delta, None, None])
    rows.append(
        ["Проиграны, всего", f.lost, previous.lost, f.lost - previous.lost, None, f.lost_sum]
    )
    return Table(
        "flow",
        f"Поток: что произошло за период {report.period.label}",
        [
            "Этап",
            "Перешли на этап",
            f"В периоде {report.previous.label}",
            "Изменение",
            "Проиграны на этапе",
            "Сумма проигранных, ₽",
        ],
        rows,
    )


def loss_table(key: str, title: str, table: LossTable) -> Table:
    header = ["Этап"]
    for reason in table.reasons:
        header += [f"{_reason_name(reason)}: сделок", f"{_reason_name(reason)}: сумма, ₽"]
    header += ["Итого: сделок", "Итого: сумма, ₽"]
    rows = []
    for row in table.rows:
        line = [_stage_name(row.stage)]
        for reason in table.reasons:
            cell = row.cells[reason.pk if reason else None]
            line += [cell.count, cell.total]
        rows.append([*line, row.total.count, row.total.total])
    totals = ["Итого"]
    for reason in table.reasons:
        cell = table.column_totals[reason.pk if reason else None]
        totals += [cell.count, cell.total]
    rows.append([*totals, table.total.count, table.total.total])
    return Table(key, title, header, rows)


def time_table(report: FunnelReport) -> Table:
    return Table(
        "time",
        f"Время на этапе (сделки, покинувшие этап в периоде {report.period.label}), дней",
        ["Этап", "Покинули этап", "Медиана, дней", "90-й перцентиль, дней"],
        [[r.stage.name, r.left, r.median, r.p90] for r in report.time_in_stage],
    )


def managers_table(report: FunnelReport) -> Table:
    return Table(
        "managers",
        f"Менеджеры: сделки, созданные в периоде {report.period.label}",
        [
            "Менеджер",
            "Создано",
            "Выиграно",
            "Проиграно",
            "Конверсия в успех, %",
            "Сумма выигранных, ₽",
            "Открытые без задачи",
        ],
        [
            [m.name, m.created, m.won, m.lost, m.conversion, m.won_sum, m.idle]
            for m in report.managers
        ],
    )


def all_tables(report: FunnelReport) -> dict[str, Table]:
    tables = [
        cohort_table(report),
        flow_table(report),
        loss_table(
            "losses_cohort",
            f"Причины отказов: сделки, созданные в периоде {report.period.label}",
            report.cohort.losses,
        ),
        loss_table(
            "losses_flow",
            f"Причины отказов: проигранные за период {report.period.label}",
            report.flow.losses,
        ),
        time_table(report),
        managers_table(report),
    ]
    return {t.key: t for t in tables}


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in table.header])
    for row in table.rows:
        writer.writerow([csv_value(v) for v in row])
    # The BOM makes Excel read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table))
        sheet.append([safe_cell(table.title)])
        sheet["A1"].font = bold
        sheet.append([safe_cell(h) for h in table.header])
        for cell in sheet[2]:
            cell.font = bold
        for row in table.rows:
            sheet.append([float(v) if isinstance(v, Decimal) else safe_cell(v) for v in row])
            for value, cell in zip(row, sheet[sheet.max_row], strict=True):
                if isinstance(value, Decimal):
                    # Money carries kopecks; shares and days one decimal.
                    cell.number_format = "#,##0.00" if value.as_tuple().exponent == -2 else "0.0"
        sheet.freeze_panes = "B3"
        for index, header in enumerate(table.header, start=1):
            width = max(12, min(40, len(str(header)) + 2))
            sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


SHEET_TITLES = {
    "cohort": "Когорта",
    "flow": "Поток",
    "losses_cohort": "Отказы (когорта)",
    "losses_flow": "Отказы (поток)",
    "time": "Время на этапе",
    "managers": "Менеджеры",
}


def _sheet_title(table: Table) -> str:
    return SHEET_TITLES.get(table.key, table.key)[:31]
