import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal, Stage

CURSOR = re.compile(r'(after|before)=([A-Za-z0-9_-]+)"')


@pytest.fixture
def many_deals(manager_a, stages):
    now = timezone.now()
    first = Stage.first_open()
    Deal.objects.bulk_create(
        Deal(
            title=f"Сделка {i:03d}",
            manager=manager_a,
            stage=first,
            budget=Decimal(i % 7 * 1000),
            # Several deals share a timestamp so the tie-break on the key is exercised.
            created_at=now - timedelta(minutes=i // 3),
        )
        for i in range(130)
    )


def titles(html):
    return re.findall(r"Сделка \d{3}", html)


def cursor(html, kind):
    for found_kind, value in CURSOR.findall(html):
        if found_kind == kind:
            return value
    return None


@pytest.mark.parametrize("sort", ["-created", "created", "-budget", "budget", "title"])
def test_walking_the_pages_forward_and_back_shows_every_deal_once(client_a, many_deals, sort):
    url = reverse("deals:list")
    seen, pages = [], []
    params = {"sort": sort}
    while True:
        html = client_a.get(url, params).text
        page = titles(html)
        pages.append(page)
        seen += page
        after = cursor(html, "after")
        if not after:
            break
        params = {"sort": sort, "after": after}
    assert len(seen) == 130 and len(set(seen)) == 130
    assert [len(p) for p in pages] == [50, 50, 30]

    back = cursor(html, "before")
    html = client_a.get(url, {"sort": sort, "before": back}).text
    assert titles(html) == pages[1]


def test_a_broken_cursor_shows_the_first_page(client_a, many_deals):
    response = client_a.get(reverse("deals:list"), {"after": "не-курсор"})
    assert response.status_code == 200
    assert len(titles(response.text)) == 50
