"""The deal list in Chromium: the filter bar laid out at 1366 px (every label tied to its
field and above it, nothing past the right edge, Bootstrap's selects), folded under
«Фильтры» at 360 px, and the head's bulk action from ticked rows. Screenshots:
deal-list-1366.png, deal-list-360.png, deal-list-360-filters.png."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import test_e2e_browser as e2e

CHROMIUM, SHOTS = e2e.CHROMIUM, e2e.SHOTS
browser, team = e2e.browser, e2e.team

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect


@pytest.fixture
def deals(team):
    from contacts.models import Contact
    from deals import services

    now = timezone.now()
    made = []
    for i in range(12):
        manager = team["anna"] if i % 2 else team["boris"]
        deal = services.deal_create(
            title=f"Интернет-магазин строительных материалов для «Стройдвор-{i}»",
            manager=manager,
            by=manager,
            budget=Decimal(150000 + i * 12500),
        )
        services.contact_save(
            contact=Contact(name=f"Екатерина Константиновна Преображенская-{i}"),
            phones=[f"+7916700{i:04d}"],
            emails=[],
            deal=deal,
        )
        if i % 3:
            services.task_create(
                deal=deal,
                author=manager,
                assignee=manager,
                kind="call",
                text="Перезвонить",
                due_at=now + timedelta(days=i - 4),
            )
        made.append(deal)
    return made


def signed_in(browser, live_server, username: str, width: int):
    context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("form button")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(live_server.url + "/deals/")
    return page


# Where each field of the bar is, and whether its label is tied to it and above it.
MEASURE = """
(form) => {
  const fields = [...form.querySelectorAll("input, select")].filter(
    (el) => el.type !== "hidden" && el.offsetParent !== null
  );
  const boxes = [...form.querySelectorAll("*")].filter((el) => el.offsetParent !== null)
    .map((el) => el.getBoundingClientRect());
  return {
    right: Math.max(...boxes.map((b) => b.right)),
    pageWidth: document.documentElement.scrollWidth,
    fields: fields.map((el) => {
      const label = el.labels && el.labels[0];
      const box = el.getBoundingClientRect();
      const lb = label ? label.getBoundingClientRect() : null;
      return {
        name: el.name,
        type: el.type,
        label: label ? label.textContent.trim() : null,
        labelAbove: lb ? lb.bottom <= box.top + 1 : false,
        labelBeside: lb ? lb.left >= box.right - 1 : false,
        right: box.right,
        select: el.tagName === "SELECT",
        selectStyled: el.tagName === "SELECT" && el.classList.contains("form-select")
          && getComputedStyle(el).appearance === "none",
      };
    }),
  };
}
"""


def test_the_filter_bar_fits_a_laptop_and_ties_every_label(browser, live_server, team, deals):
    page = signed_in(browser, live_server, "olga", 1366)
    bar = page.locator("form.deal-filters")
    measured = bar.evaluate(MEASURE)
    names = {f["name"] for f in measured["fields"]}
    assert {
        "q",
        "stage",
        "manager",
        "source",
        "date_from",
        "date_to",
        "no_task",
        "overdue",
    } <= names
    for field in measured["fields"]:
        assert field["label"], f"{field['name']} has no label tied to it"
        if field["type"] == "checkbox":
            assert field["labelBeside"], field
        else:
            assert field["labelAbove"], f"the label of {field['name']} is not above it"
        if field["select"]:
            assert field["selectStyled"], f"{field['name']} is not Bootstrap's select"
        assert field["right"] <= 1366, field
    assert measured["right"] <= 1366
    assert measured["pageWidth"] <= 1366
    # The totals and the sortable headers are on the page.
    expect(page.locator("#deal-totals")).to_contain_text("12 сделок на сумму")
    expect(page.locator("th a.sort-link", has_text="Ближайшая задача")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "deal-list-1366.png", full_page=True)

    # The head ticks every row and hands them to Boris: the panel counts them.
    page.check("[data-pick-all]")
    expect(page.locator("[data-picked-count]")).to_have_text("12")
    page.select_option("#id_reassign-manager", str(team["boris"].pk))
    page.click("button[value=reassign]")
    expect(page.locator(".alert-success")).to_contain_text("Новый ответственный — Борис: 6 сделок")
    expect(page.locator(".alert-info")).to_contain_text("Без изменений")


def test_the_filter_bar_folds_on_a_phone(browser, live_server, team, deals):
    page = signed_in(browser, live_server, "anna", 360)
    expect(page.locator("#id_q")).to_be_visible()
    expect(page.locator("#id_stage")).to_be_hidden()
    expect(page.locator("#id_date_from")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "deal-list-360.png", full_page=True)
    page.click("button:has-text('Фильтры')")
    page.wait_for_selector("#deal-filter-rest.show")
    expect(page.locator("#id_stage")).to_be_visible()
    expect(page.locator("#id_overdue")).to_be_visible()
    measured = page.locator("form.deal-filters").evaluate(MEASURE)
    assert measured["right"] <= 360
    for field in measured["fields"]:
        assert field["label"], f"{field['name']} has no label tied to it"
        assert field["right"] <= 360, field
    page.screenshot(path=SHOTS / "deal-list-360-filters.png", full_page=True)
    # A phone number in the table stays on one line.
    phone = page.locator("table.deal-list span.text-nowrap").first
    assert phone.evaluate("(el) => el.getClientRects().length") == 1
