import threading

import pytest
from django.db import connection, connections, transaction
from django.db.transaction import TransactionManagementError

from crm.models import NumberCounter
from crm.numbering import next_number


def take(kind="invoice", year=2026):
    with transaction.atomic():
        return next_number(kind=kind, year=year)


@pytest.mark.django_db
def test_numbers_follow_one_another_from_one():
    assert [take() for _ in range(3)] == [1, 2, 3]


@pytest.mark.django_db
def test_each_kind_counts_on_its_own():
    assert take("invoice") == 1
    assert take("proposal") == 1
    assert take("invoice") == 2
    assert take("contract") == 1


@pytest.mark.django_db
def test_a_new_year_starts_again_at_one():
    assert [take(year=2026), take(year=2026)] == [1, 2]
    assert take(year=2027) == 1
    assert take(year=2026) == 3


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back():
    assert take() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number(kind="invoice", year=2026) == 2
        raise RuntimeError("the invoice could not be saved")
    assert take() == 2
    assert NumberCounter.objects.get(kind="invoice", year=2026).last == 2


@pytest.mark.django_db
def test_a_rolled_back_first_number_of_the_year_leaves_no_counter():
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(kind="contract", year=2030)
        raise RuntimeError
    assert not NumberCounter.objects.filter(year=2030).exists()
    assert take("contract", 2030) == 1


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_number_outside_a_transaction():
    with pytest.raises(TransactionManagementError):
        next_number(kind="invoice", year=2026)
    assert not NumberCounter.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["", "Invoice", "счёт", "a_kind_longer_than_16"])
def test_it_refuses_a_kind_that_is_not_a_short_code(kind):
    with pytest.raises(ValueError, match="short lowercase code"), transaction.atomic():
        next_number(kind=kind, year=2026)


def _race(workers, job):
    """Runs job(i) in `workers` threads released at the same moment; returns their results."""
    start = threading.Barrier(workers)
    results, errors = [None] * workers, []

    def run(i):
        try:
            start.wait()
            results[i] = job(i)
        except Exception as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL; SQLite serialises whole-database writes instead",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_ten_documents_created_at_once_get_ten_distinct_numbers_without_gaps():
    # No counter row exists yet, so the threads also race to create the year's counter.
    numbers = _race(10, lambda i: take(year=2026))
    assert sorted(numbers) == list(range(1, 11))
    assert NumberCounter.objects.get(kind="invoice", year=2026).last == 10


class Abandoned(Exception):
    pass


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_rollbacks_leave_no_gap():
    def job(i):
        with transaction.atomic():
            number = next_number(kind="proposal", year=2026)
            if i % 3 == 0:
                raise Abandoned
            return number

    def guarded(i):
        try:
            return job(i)
        except Abandoned:
            return None

    numbers = [n for n in _race(9, guarded) if n is not None]
    assert sorted(numbers) == list(range(1, 7))
    assert NumberCounter.objects.get(kind="proposal", year=2026).last == 6
