from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from deals.models import Deal

from . import exports, funnel
from .forms import FunnelFilterForm
from .presentation import funnel_chart, report_pdf, summary_cards

PAGE_SIZE = 50


def _filters(request) -> tuple[FunnelFilterForm, funnel.Scope, funnel.Period]:
    """The report's filters from the query string. Bad input leaves the form with its errors
    and the default report (this month, the deals the user may see)."""
    form = FunnelFilterForm(request.GET or None, user=request.user)
    scope = funnel.scope_for(
        request.user, manager=form.chosen_manager(), source=form.chosen_source()
    )
    return form, scope, form.period()


def _query(scope: funnel.Scope, period: funnel.Period, *, manager=True) -> str:
    params = dict(period.as_query())
    if manager and scope.manager is not None and scope.user.is_head:
        params["manager"] = scope.manager.pk
    if scope.source:
        params["source"] = scope.source
    return urlencode(params)


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def funnel_report(request):
    form, scope, period = _filters(request)
    report = funnel.build_report(scope, period)
    return render(
        request,
        "analytics/funnel_report.html",
        {
            "form": form,
            "report": report,
            "query": _query(scope, period),
            "query_all_managers": _query(scope, period, manager=False),
            "previous_query": _query(scope, period.previous()),
            "next_query": _query(scope, period.next()),
            "chart": funnel_chart(report),
            "cards": summary_cards(report),
        },
        status=_status(form),
    )


def funnel_deals(request):
    form, scope, period = _filters(request)
    basis = request.GET.get("basis", "")
    metric = request.GET.get("metric", "")
    stage = request.GET.get("stage", "")
    reason = request.GET.get("reason", "")
    pipeline = funnel.load_pipeline()
    try:
        deals = funnel.drilldown(
            scope,
            period,
            basis=basis,
            metric=metric,
            stage=stage,
            reason=reason,
            pipeline=pipeline,
        )
        caption = funnel.describe(pipeline, basis=basis, metric=metric, stage=stage, reason=reason)
    except funnel.UnknownFigure as exc:
        raise Http404("Нет такого показателя.") from exc
    deals = (
        Deal.objects.filter(pk__in=deals.values("pk"))
        .with_activity()
        .select_related("stage", "manager", "client", "loss_reason")
        .with_row_contacts()
        .order_by("-created_at", "-pk")
    )
    page = Paginator(deals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "analytics/funnel_deals.html",
        {
            "form": form,
            "scope": scope,
            "period": period,
            "caption": caption,
            "page": page,
            "query": query.urlencode(),
            "back_query": _query(scope, period),
        },
        status=_status(form),
    )


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def funnel_export(request, table, fmt):
    if fmt not in EXPORT_TYPES:
        raise Http404("Нет такого формата.")
    form, scope, period = _filters(request)
    tables = exports.all_tables(funnel.build_report(scope, period))
    if table == "all" and fmt == "xlsx":
        body = exports.to_xlsx(list(tables.values()))
    elif table in tables:
        body = exports.to_csv(tables[table]) if fmt == "csv" else exports.to_xlsx([tables[table]])
    else:
        raise Http404("Нет такой таблицы.")
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    name = f"funnel-{table}-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def funnel_pdf(request):
    form, scope, period = _filters(request)
    report = funnel.build_report(scope, period)
    body = report_pdf(report)
    response = HttpResponse(body, content_type="application/pdf")
    name = f"funnel-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
