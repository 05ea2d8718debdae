"""The monthly e-mail to the head of sales: last month's headline figures in the body and
the full funnel report as a PDF attachment. Sent on the 1st by Celery beat."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crm.mail import email_queue
from crm.models import OutgoingEmail

from . import funnel
from .presentation import report_pdf

TEMPLATE = "funnel-monthly"


def event_key(period: funnel.Period) -> str:
    return f"funnel-monthly:{period.start:%Y-%m}"


def headline(report: funnel.FunnelReport) -> dict:
    """The figures of the e-mail body, with last month's for comparison."""
    c, pc, f, pf = report.cohort, report.previous_cohort, report.flow, report.previous_flow
    losses = report.flow.losses
    top_reasons = sorted(
        (
            {"reason": reason, "count": cell.count, "total": cell.total}
            for reason, cell in zip(losses.reasons, losses.column_totals.values(), strict=True)
        ),
        key=lambda item: (-item["count"], -item["total"]),
    )[:3]
    worst = max(report.cohort.stages, key=lambda row: row.lost, default=None)
    return {
        "created": c.created,
        "created_before": pc.created,
        "won": f.won,
        "won_sum": f.won_sum,
        "won_before": pf.won,
        "won_sum_before": pf.won_sum,
        "lost": f.lost,
        "lost_sum": f.lost_sum,
        "lost_before": pf.lost,
        "conversion": c.won_conversion_start,
        "conversion_before": pc.won_conversion_start,
        "top_reasons": top_reasons,
        "worst_stage": worst if worst and worst.lost else None,
    }


def funnel_monthly_send(*, today: datetime.date | None = None) -> int:
    """Queue last month's report for every active head of sales with an e-mail address,
    once per month and recipient (running it twice sends nothing more). Returns how many
    e-mails were queued."""
    today = today or timezone.localdate()
    period = funnel.Period.month_of(today.replace(day=1) - datetime.timedelta(days=1))
    key = event_key(period)
    User = get_user_model()
    heads = [
        head
        for head in User.objects.filter(is_active=True, role=User.Role.HEAD)
        .exclude(email="")
        .order_by("pk")
        if not OutgoingEmail.objects.filter(event_key=key, recipient=head.email.lower()).exists()
    ]
    if not heads:
        return 0
    # Every head of sales sees the same deals: one report and one PDF serve them all.
    report = funnel.build_report(funnel.scope_for(heads[0]), period)
    pdf = report_pdf(report)
    url = f"{reverse('analytics:funnel')}?month={period.start:%Y-%m}"
    queued = 0
    for head in heads:
        with transaction.atomic():
            email = email_queue(
                event_key=key,
                to=head.email,
                template=TEMPLATE,
                context={
                    "head": head,
                    "period": period,
                    "previous": report.previous,
                    "figures": headline(report),
                    "report_url": url,
                },
                attachments=[(f"voronka-{period.start:%Y-%m}.pdf", pdf, "application/pdf")],
            )
        queued += email is not None
    return queued
