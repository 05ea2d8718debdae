"""Fill the database with N realistic deals and their stage histories, for measuring.

On PostgreSQL everything is set-based SQL (INSERT … SELECT over generate_series), so a
million deals take minutes; elsewhere the same plan is generated in Python and bulk-inserted.

Deals are spread over the last twelve months among bench managers («Менеджер 01»…), with
sources, budgets from 20 000 to 1 000 000 ₽, and histories that walk the pipeline, skip a
stage now and then, and end won, lost (with a reason) or still open (most of those with a task).
The history's shape for the funnel (deals.history) is derived once at the end.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from deals import history
from deals.models import Deal, LossReason, Source, Stage, StageChange, Task

SOURCES = [Source.PHONE, Source.EMAIL, Source.WEBSITE, Source.VISIT, Source.OTHER]
# Cumulative shares of the furthest open stage reached: 0 (the first) … 5.
DEPTH_SHARES = [0.25, 0.45, 0.62, 0.77, 0.88]
WON_SHARE = 0.45  # of deals that got to the proposal or further
LOST_SHARE = 0.75  # cumulative: the rest of those under it are lost
SKIP_SHARE = 0.15
TASK_SHARE = 0.7  # open deals with an open task


class Command(BaseCommand):
    help = "Заполнить базу N сделками с историей этапов (для замеров скорости отчётов)."

    def add_arguments(self, parser):
        parser.add_argument("--deals", type=int, required=True)
        parser.add_argument("--managers", type=int, default=20)
        parser.add_argument("--batch", type=int, default=250_000)
        parser.add_argument("--seed", type=float, default=0.42)

    def handle(self, *args, deals, managers, batch, seed, **options):
        if deals <= 0:
            raise CommandError("Число сделок должно быть больше нуля.")
        open_ids = list(
            Stage.objects.filter(kind=Stage.Kind.OPEN)
            .order_by("order", "pk")
            .values_list("pk", flat=True)
        )
        won = Stage.objects.filter(kind=Stage.Kind.WON).order_by("order").first()
        lost = Stage.objects.filter(kind=Stage.Kind.LOST).order_by("order").first()
        reason_ids = list(LossReason.objects.values_list("pk", flat=True))
        if not open_ids or won is None or lost is None or not reason_ids:
            raise CommandError("Нужны этапы (открытые, успешный, проигранный) и причины отказа.")
        manager_ids = self._managers(managers)
        plan = {
            "open_ids": open_ids,
            "won_id": won.pk,
            "lost_id": lost.pk,
            "reason_ids": reason_ids,
            "manager_ids": manager_ids,
        }
        started = time.monotonic()
        if connection.vendor == "postgresql":
            self._seed_sql(deals, plan, seed, started)
        else:
            done = 0
            while done < deals:
                size = min(batch, deals - done)
                self._batch_python(size, plan, random.Random(f"{seed}-{done}"))
                done += size
                self.stdout.write(f"{done} сделок, {time.monotonic() - started:.1f} с")
        history.history_refresh(deal_model=Deal, change_model=StageChange)
        seeded = time.monotonic() - started
        self._analyze()
        total = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Готово: {deals} сделок за {seeded:.1f} с, с ANALYZE {total:.1f} с "
                f"(в истории этапов {StageChange.objects.count()} записей)."
            )
        )

    def _managers(self, count: int) -> list[int]:
        User = get_user_model()
        password = make_password(None)
        wanted = [f"bench_manager_{i:02d}" for i in range(1, count + 1)]
        have = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        User.objects.bulk_create(
            [
                User(
                    username=name,
                    first_name="Менеджер",
                    last_name=name[-2:],
                    role=User.Role.MANAGER,
                    password=password,
                )
                for name in wanted
                if name not in have
            ]
        )
        return list(User.objects.filter(username__in=wanted).values_list("pk", flat=True))

    # PostgreSQL: set-based

    def _seed_sql(self, size: int, plan: dict, seed: float, started: float) -> None:
        """One pass in chronological order, as a real CRM fills its tables: deals by creation
        time, stage changes by time. As PostgreSQL advises for bulk loads, the secondary
        indexes and foreign keys of the three tables are dropped for the load and created
        again after it from their own definitions (a foreign key is then checked in one
        query instead of a trigger per row). All of it is one transaction."""
        tables = [Deal._meta.db_table, StageChange._meta.db_table, Task._meta.db_table]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c
                WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
                """,
                [tables],
            )
            foreign_keys = cursor.fetchall()
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
                """,
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _ in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            self._load_sql(cursor, size, plan, seed, started)
            self.stdout.write(f"Данные загружены, {time.monotonic() - started:.1f} с")
            for _, definition in indexes:
                cursor.execute(definition)
            self.stdout.write(f"Индексы построены, {time.monotonic() - started:.1f} с")
            for table, name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            self.stdout.write(f"Внешние ключи проверены, {time.monotonic() - started:.1f} с")

    def _load_sql(self, cursor, size: int, plan: dict, seed: float, started: float) -> None:
        deal_table = Deal._meta.db_table
        change_table = StageChange._meta.db_table
        task_table = Task._meta.db_table
        depth_case = " ".join(
            f"WHEN r_depth < {share} THEN {i}" for i, share in enumerate(DEPTH_SHARES)
        )
        params = {
            "size": size,
            "managers": plan["manager_ids"],
            "sources": [str(s) for s in SOURCES],
            "reasons": plan["reason_ids"],
            "open": plan["open_ids"],
            "won": plan["won_id"],
            "lost": plan["lost_id"],
            "won_share": WON_SHARE,
            "lost_share": LOST_SHARE,
            "skip_share": SKIP_SHARE,
            "task_share": TASK_SHARE,
        }
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {deal_table}")  # noqa: S608
        params["id_base"] = cursor.fetchone()[0]
        cursor.execute("DROP TABLE IF EXISTS bench_plan")
        # One row per deal with every random choice made once.
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
            WITH raw AS (
                SELECT g,
                       now() - random() * interval '365 days' AS created_at,
                       random() AS r_depth, random() AS r_outcome, random() AS r_skip,
                       random() AS r_skip_at, random() AS r_stride, random() AS r_task,
                       random() AS r_manager, random() AS r_source, random() AS r_reason,
                       random() AS r_budget
                FROM generate_series(1, %(size)s) AS g
            ), shaped AS (
                SELECT *, CASE {depth_case} ELSE 5 END AS depth FROM raw
            ), decided AS (
                SELECT *,
                    CASE WHEN depth >= 3 AND r_outcome < %(won_share)s THEN 'won'
                         WHEN r_outcome < %(lost_share)s THEN 'lost'
                         ELSE 'open' END AS outcome,
                    CASE WHEN depth >= 2 AND r_skip < %(skip_share)s
                         THEN 1 + floor(r_skip_at * (depth - 1))::int
                         ELSE -1 END AS skip,
                    LEAST(
                        interval '1 day' * (1 + r_stride * 9),
                        (now() - created_at) / (depth + 2)
                    ) AS stride
                FROM shaped
            )
            SELECT %(id_base)s + row_number() OVER (ORDER BY created_at) AS id,
                created_at, depth, outcome, skip, stride, r_task,
                (%(managers)s::bigint[])[1 + floor(r_manager * cardinality(%(managers)s::bigint[]))::int] AS manager_id,
                (%(sources)s::text[])[1 + floor(r_source * cardinality(%(sources)s::text[]))::int] AS source,
                (%(reasons)s::bigint[])[1 + floor(r_reason * cardinality(%(reasons)s::bigint[]))::int] AS reason_id,
                (20 + floor(r_budget * 980)) * 1000 AS budget,
                created_at + stride * (depth + CASE WHEN outcome = 'open' THEN 0 ELSE 1 END)
                    AS last_at
            FROM decided
            """,  # noqa: E501, S608
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO {deal_table} (id, title, source, manager_id, stage_id, budget,
                description, created_at, updated_at, stage_changed_at, closed_at,
                loss_reason_id, client_id, client_entrusted, lead_source_id, was_won)
            SELECT id, 'Сделка для замера №' || id, source, manager_id,
                CASE outcome WHEN 'won' THEN %(won)s WHEN 'lost' THEN %(lost)s
                     ELSE (%(open)s::bigint[])[depth + 1] END,
                budget, '', created_at, last_at, last_at,
                CASE WHEN outcome = 'open' THEN NULL ELSE last_at END,
                CASE WHEN outcome = 'lost' THEN reason_id END, NULL, FALSE, NULL, FALSE
            FROM bench_plan ORDER BY id
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO {change_table} (deal_id, from_stage_id, to_stage_id, loss_reason_id,
                by_id, at)
            SELECT p.id,
                CASE WHEN s = 0 THEN NULL
                     WHEN s - 1 = p.skip THEN (%(open)s::bigint[])[s - 1]
                     ELSE (%(open)s::bigint[])[s] END,
                (%(open)s::bigint[])[s + 1], NULL, p.manager_id, p.created_at + p.stride * s
            FROM bench_plan p CROSS JOIN LATERAL generate_series(0, p.depth) AS s
            WHERE s <> p.skip
            UNION ALL
            SELECT p.id, (%(open)s::bigint[])[p.depth + 1],
                CASE p.outcome WHEN 'won' THEN %(won)s ELSE %(lost)s END,
                CASE WHEN p.outcome = 'lost' THEN p.reason_id END,
                p.manager_id, p.last_at
            FROM bench_plan p WHERE p.outcome <> 'open'
            ORDER BY 6
            """,  # noqa: S608
            params,
        )
        self.stdout.write(f"История этапов, {time.monotonic() - started:.1f} с")
        cursor.execute(
            f"""
            INSERT INTO {task_table} (deal_id, assignee_id, author_id, kind, text, due_at,
                created_at, done_at, result)
            SELECT id, manager_id, manager_id, 'call', 'Перезвонить клиенту',
                now() + interval '1 day' * (r_task * 10 - 3), last_at, NULL, ''
            FROM bench_plan WHERE outcome = 'open' AND r_task < %(task_share)s
            ORDER BY last_at
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{deal_table}', 'id'), "  # noqa: S608
            f"(SELECT MAX(id) FROM {deal_table}))"
        )

    # Any other database: the same plan in Python

    @transaction.atomic
    def _batch_python(self, size: int, plan: dict, rng: random.Random) -> None:
        now = timezone.now()
        open_ids = plan["open_ids"]
        id_base = Deal.objects.aggregate(m=Max("pk"))["m"] or 0
        deals, changes, tasks = [], [], []
        for g in range(1, size + 1):
            created = now - timedelta(days=365) * rng.random()
            r_depth = rng.random()
            depth = next((i for i, s in enumerate(DEPTH_SHARES) if r_depth < s), 5)
            r_outcome = rng.random()
            if depth >= 3 and r_outcome < WON_SHARE:
                outcome = "won"
            elif r_outcome < LOST_SHARE:
                outcome = "lost"
            else:
                outcome = "open"
            skip = -1
            if depth >= 2 and rng.random() < SKIP_SHARE:
                skip = 1 + int(rng.random() * (depth - 1))
            stride = min(timedelta(days=1 + rng.random() * 9), (now - created) / (depth + 2))
            last_at = created + stride * (depth + (0 if outcome == "open" else 1))
            manager_id = rng.choice(plan["manager_ids"])
            reason_id = rng.choice(plan["reason_ids"])
            stage_id = {"won": plan["won_id"], "lost": plan["lost_id"]}.get(
                outcome, open_ids[depth]
            )
            deal_id = id_base + g
            deals.append(
                Deal(
                    id=deal_id,
                    title=f"Сделка для замера №{deal_id}",
                    source=rng.choice(SOURCES),
                    manager_id=manager_id,
                    stage_id=stage_id,
                    budget=Decimal((20 + int(rng.random() * 980)) * 1000),
                    created_at=created,
                    stage_changed_at=last_at,
                    closed_at=None if outcome == "open" else last_at,
                    loss_reason_id=reason_id if outcome == "lost" else None,
                )
            )
            previous = None
            for s in range(depth + 1):
                if s == skip:
                    continue
                changes.append(
                    StageChange(
                        deal_id=deal_id,
                        from_stage_id=previous,
                        to_stage_id=open_ids[s],
                        by_id=manager_id,
                        at=created + stride * s,
                    )
                )
                previous = open_ids[s]
            if outcome != "open":
                changes.append(
                    StageChange(
                        deal_id=deal_id,
                        from_stage_id=open_ids[depth],
                        to_stage_id=stage_id,
                        loss_reason_id=reason_id if outcome == "lost" else None,
                        by_id=manager_id,
                        at=last_at,
                    )
                )
            elif rng.random() < TASK_SHARE:
                tasks.append(
                    Task(
                        deal_id=deal_id,
                        assignee_id=manager_id,
                        author_id=manager_id,
                        kind=Task.Kind.CALL,
                        text="Перезвонить клиенту",
                        due_at=now + timedelta(days=rng.random() * 10 - 3),
                        created_at=last_at,
                    )
                )
        Deal.objects.bulk_create(deals, batch_size=2000)
        StageChange.objects.bulk_create(changes, batch_size=2000)
        Task.objects.bulk_create(tasks, batch_size=2000)

    def _analyze(self) -> None:
        tables = [Deal._meta.db_table, StageChange._meta.db_table, Task._meta.db_table]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")
            else:
                cursor.execute("ANALYZE")
