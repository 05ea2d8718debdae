"""The stage history shaped for the funnel report, kept in the same transaction as each move.

Every move (StageChange) ends the deal's stay at ``from_stage`` and begins its stay at
``to_stage``: ``entered_at`` is when the deal came to ``from_stage`` (the deal's previous
move), ``left_at`` when it left ``to_stage`` (its next move, empty while it is there). A deal
keeps ``furthest_stage``, the latest open stage of the pipeline it was ever at, and
``was_won``, whether it was ever won (a reopened deal keeps both).

One function derives all of it from the history: after each move for that deal, after a
change of the pipeline's order for every deal, and in the migration that added the fields.
It takes the model classes so that a migration can pass its own."""

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery


def history_refresh(*, deal_model, change_model, deal_ids=None, moves: bool = True) -> None:
    """Recount entered_at and left_at of the moves (unless moves is False), furthest_stage
    and was_won of the deals (all of them, or those in deal_ids) from the stage history."""
    if deal_ids is None and connection.vendor == "postgresql":
        _refresh_all_postgresql(deal_model, change_model, moves)
        return
    if moves:
        _refresh_moves(change_model, deal_ids)
    deals = deal_model.objects.all()
    if deal_ids is not None:
        deals = deals.filter(pk__in=deal_ids)
    visits = change_model.objects.filter(deal_id=OuterRef("pk"))
    deals.update(
        furthest_stage=Subquery(
            visits.filter(to_stage__kind="open")
            .order_by("-to_stage__order", "-to_stage_id")
            .values("to_stage_id")[:1]
        ),
        was_won=Exists(visits.filter(to_stage__kind="won")),
    )


def _refresh_moves(change_model, deal_ids) -> None:
    moves = change_model.objects.all()
    if deal_ids is not None:
        moves = moves.filter(deal_id__in=deal_ids)
    same_deal = change_model.objects.filter(deal_id=OuterRef("deal_id"))
    earlier = Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk"))
    later = Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk"))
    moves.update(
        entered_at=Subquery(same_deal.filter(earlier).order_by("-at", "-pk").values("at")[:1]),
        left_at=Subquery(same_deal.filter(later).order_by("at", "pk").values("at")[:1]),
    )


def _refresh_all_postgresql(deal_model, change_model, moves: bool) -> None:
    """The same for every deal in two passes over the tables (window functions and one
    aggregate) instead of a look-up per row: what a migration of a large history needs."""
    deal = deal_model._meta.db_table
    change = change_model._meta.db_table
    stage = deal_model._meta.get_field("stage").related_model._meta.db_table
    with connection.cursor() as cursor:
        if moves:
            cursor.execute(
                f"""
                UPDATE {change} AS c SET entered_at = w.entered_at, left_at = w.left_at
                FROM (
                    SELECT id,
                        lag(at) OVER (PARTITION BY deal_id ORDER BY at, id) AS entered_at,
                        lead(at) OVER (PARTITION BY deal_id ORDER BY at, id) AS left_at
                    FROM {change}
                ) AS w
                WHERE c.id = w.id AND (c.entered_at IS DISTINCT FROM w.entered_at
                    OR c.left_at IS DISTINCT FROM w.left_at)
                """  # noqa: S608 (table names of the models)
            )
        cursor.execute(
            f"""
            UPDATE {deal} AS d SET furthest_stage_id = r.furthest, was_won = r.won
            FROM (
                SELECT d.id,
                    (array_agg(s.id ORDER BY s."order" DESC, s.id DESC)
                        FILTER (WHERE s.kind = 'open'))[1] AS furthest,
                    coalesce(bool_or(s.kind = 'won'), false) AS won
                FROM {deal} AS d
                LEFT JOIN {change} AS c ON c.deal_id = d.id
                LEFT JOIN {stage} AS s ON s.id = c.to_stage_id
                GROUP BY d.id
            ) AS r
            WHERE d.id = r.id AND (d.furthest_stage_id IS DISTINCT FROM r.furthest
                OR d.was_won IS DISTINCT FROM r.won)
            """  # noqa: S608 (table names of the models)
        )
