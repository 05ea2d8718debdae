"""How the report looks: the funnel chart's geometry and the printable PDF."""

from django.template.loader import render_to_string

from crm.pdf import render_pdf

from . import funnel


def report_pdf(report: funnel.FunnelReport) -> bytes:
    """The full report as a PDF, from the same table partial as the page."""
    html = render_to_string(
        "pdf/funnel_report.html",
        {
            "report": report,
            "chart": funnel_chart(report),
            "cards": summary_cards(report),
            "pdf": True,
        },
    )
    return render_pdf(html, label=f"the funnel report for {report.period.label}")


def summary_cards(report: funnel.FunnelReport) -> list[dict]:
    """The headline figures with their change against the previous period."""
    c, pc = report.cohort, report.previous_cohort
    f, pf = report.flow, report.previous_flow

    def diff(now, before):
        return None if now is None or before is None else now - before

    return [
        {
            "label": "Создано сделок",
            "value": c.created,
            "sum": c.created_sum,
            "delta": c.created - pc.created,
            "basis": "cohort",
            "metric": "created",
        },
        {
            "label": "Выиграно из созданных",
            "value": c.won,
            "sum": c.won_sum,
            "delta": c.won - pc.won,
            "basis": "cohort",
            "metric": "won",
        },
        {
            "label": "Конверсия в успех",
            "percent": c.won_conversion_start,
            "delta": diff(c.won_conversion_start, pc.won_conversion_start),
            "kind": "pp",
        },
        {
            "label": "Проиграно из созданных",
            "value": c.lost,
            "sum": c.lost_sum,
            "delta": c.lost - pc.lost,
            "inverse": True,
            "basis": "cohort",
            "metric": "lost",
        },
        {
            "label": "Выиграно за период",
            "value": f.won,
            "sum": f.won_sum,
            "delta": f.won - pf.won,
            "basis": "flow",
            "metric": "won",
        },
        {
            "label": "Проиграно за период",
            "value": f.lost,
            "sum": f.lost_sum,
            "delta": f.lost - pf.lost,
            "inverse": True,
            "basis": "flow",
            "metric": "lost",
        },
    ]


# The chart


CHART_WIDTH = 640
BAR_HEIGHT = 34
BAR_GAP = 8
LABEL_WIDTH = 200


def funnel_chart(report: funnel.FunnelReport) -> dict:
    """Bars of the cohort funnel, centred, as numbers for an inline SVG."""
    cohort = report.cohort
    items = [(row.stage.name, row.reached, row.conversion_start) for row in cohort.stages]
    items.append(("Выиграны", cohort.won, cohort.won_conversion_start))
    base = max(cohort.created, 1)
    area = CHART_WIDTH - LABEL_WIDTH
    bars = []
    for i, (name, count, share) in enumerate(items):
        width = max(2, round(area * count / base)) if count else 0
        bars.append(
            {
                "name": name,
                "count": count,
                "share": share,
                "x": LABEL_WIDTH + (area - width) // 2,
                "y": i * (BAR_HEIGHT + BAR_GAP),
                "width": width,
                "text_y": i * (BAR_HEIGHT + BAR_GAP) + BAR_HEIGHT // 2 + 5,
                "won": i == len(items) - 1,
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": len(items) * (BAR_HEIGHT + BAR_GAP),
        "label_width": LABEL_WIDTH,
        "center": LABEL_WIDTH + area // 2,
        "bar_height": BAR_HEIGHT,
    }
