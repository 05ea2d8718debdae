"""The deals board in Chromium: a card moved by drag and drop, by the keyboard and by a tap
on a phone without the page reloading (a marker set in the page survives) and with the
scroll kept, the loss dialog, the invoice warning, and a refused move that puts the card
back with the reason. Screenshots: board-1366.png, board-360.png and the dialogs."""

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
def pipeline(team):
    """Anna's deals: a full first column (so that it scrolls), some further on, one with
    an issued invoice, one on which Boris holds a task, and two closed ones."""
    from contacts.models import Client
    from deals import services
    from deals.models import Stage

    anna, boris = team["anna"], team["boris"]
    open_stages = list(Stage.objects.filter(kind=Stage.Kind.OPEN))
    won = Stage.objects.get(kind=Stage.Kind.WON)
    client = Client.objects.create(kind="legal", name="ООО «Вектор»", created_by=anna)
    soon = timezone.now() + timedelta(days=1)
    deals = {}
    for i in range(24):
        deal = services.deal_create(
            title=f"Сайт клиента {i:02d}",
            manager=anna,
            by=anna,
            budget=Decimal(50000 + 1000 * i),
        )
        if i % 3 == 0:
            deal.client = client
            deal.save(update_fields=["client"])
        if i % 2 == 0:
            services.task_create(
                deal=deal,
                author=anna,
                assignee=anna,
                kind="call",
                text="Позвонить",
                due_at=soon + timedelta(hours=i),
            )
        deals[i] = deal
    for i, index in ((20, 1), (21, 2), (22, 3)):
        services.deal_move(deal=deals[i], stage=open_stages[index], by=anna)
    services.deal_move(deal=deals[23], stage=won, by=anna)
    shared = deals[19]
    services.task_create(
        deal=shared,
        author=anna,
        assignee=boris,
        kind="other",
        text="Подготовить смету",
        due_at=soon,
    )
    from billing.models import Invoice

    Invoice.objects.create(
        deal=deals[18],
        status=Invoice.Status.SENT,
        number=12,
        year=timezone.localdate().year,
        date=timezone.localdate(),
        due_date=timezone.localdate() + timedelta(days=5),
        total=Decimal("68000"),
        vat_mode="none",
    )
    return {"deals": deals, "stages": open_stages, "won": won, "shared": shared}


def open_board(actor):
    actor.page.goto(actor.base + "/deals/board/")
    actor.page.wait_for_selector("#board .board-card")
    actor.page.evaluate("window.__noReload = true")


def still_same_page(actor):
    assert actor.page.evaluate("window.__noReload") is True


def stage_of(deal):
    from deals.models import Deal

    return Deal.objects.select_related("stage").get(pk=deal.pk).stage


def test_a_card_moves_by_drag_and_drop_and_by_the_keyboard_without_a_reload(
    browser, live_server, team, pipeline
):
    anna = e2e.Actor(browser, live_server, "board")
    anna.context.set_default_timeout(15_000)
    anna.login("anna")
    anna.page.set_viewport_size({"width": 1366, "height": 768})
    open_board(anna)
    first, second, third = (s.pk for s in pipeline["stages"][:3])
    first_body = f"#column-body-{first}"
    anna.page.eval_on_selector(first_body, "el => { el.scrollTop = 240; }")
    anna.page.eval_on_selector("#board", "el => { el.scrollLeft = 120; }")
    anna.shot("1366-before")

    dragged = pipeline["deals"][0]
    anna.page.drag_and_drop(f"#deal-{dragged.pk}", f"#column-{second}")
    expect(anna.page.locator(f"#column-{second} #deal-{dragged.pk}")).to_be_visible()
    expect(anna.page.locator("#board-status")).to_contain_text(f"Сделка №{dragged.pk}")
    expect(anna.page.locator(".board-card.is-pending")).to_have_count(0)
    assert stage_of(dragged).pk == second
    still_same_page(anna)

    # Scrolled a little: the third card from the top is in view, the column and the board
    # have somewhere to jump back from.
    anna.page.eval_on_selector(first_body, "el => { el.scrollTop = 60; }")
    anna.page.eval_on_selector("#board", "el => { el.scrollLeft = 120; }")
    scroll_before = anna.page.eval_on_selector(first_body, "el => el.scrollTop")
    left_before = anna.page.eval_on_selector("#board", "el => el.scrollLeft")
    assert scroll_before == 60 and left_before == 120
    keyed = pipeline["deals"][17]
    anna.page.focus(f"#deal-menu-{keyed.pk}")
    anna.page.keyboard.press("Enter")
    expect(anna.page.locator("#stage-menu")).to_be_visible()
    target = str(pipeline["stages"][2])
    for _ in range(10):
        if anna.page.evaluate("document.activeElement.textContent") == target:
            break
        anna.page.keyboard.press("ArrowDown")
    anna.page.keyboard.press("Enter")
    # Shown in the new column at once, then answered by the server.
    expect(anna.page.locator(f"#column-{third} #deal-{keyed.pk}")).to_be_visible()
    expect(anna.page.locator("#board-status")).to_contain_text(f"Сделка №{keyed.pk}")
    expect(anna.page.locator(".board-card.is-pending")).to_have_count(0)
    assert stage_of(keyed).pk == third
    still_same_page(anna)
    assert anna.page.eval_on_selector(first_body, "el => el.scrollTop") == scroll_before
    assert anna.page.eval_on_selector("#board", "el => el.scrollLeft") == left_before
    # The keyboard stays on the moved card.
    assert anna.page.evaluate("document.activeElement.id") == f"deal-menu-{keyed.pk}"
    anna.page.eval_on_selector("#board", "el => { el.scrollLeft = 0; }")
    anna.page.screenshot(path=SHOTS / "board-1366.png")
    assert anna.console == []


def test_losing_asks_for_the_reason_in_a_dialog_and_keeps_what_was_typed(
    browser, live_server, team, pipeline
):
    from deals.models import LossReason, Stage

    lost = Stage.objects.get(kind=Stage.Kind.LOST)
    reason = LossReason.objects.filter(active=True).first()
    anna = e2e.Actor(browser, live_server, "board-loss")
    anna.login("anna")
    # Wide enough for the first and the last column at once: a drag across the whole board.
    anna.page.set_viewport_size({"width": 2100, "height": 900})
    open_board(anna)
    deal = pipeline["deals"][1]
    anna.page.drag_and_drop(f"#deal-{deal.pk}", f"#column-{lost.pk}")
    dialog = anna.page.locator("#loss-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(deal.title)
    assert dialog.locator(".is-invalid").count() == 0
    assert "Укажите причину" not in dialog.inner_text()
    anna.page.fill("#loss-comment", "Заказали у фрилансера")
    dialog.locator("button:has-text('Отметить проигранной')").click()
    expect(dialog.locator(".invalid-feedback")).to_have_text("Укажите причину отказа.")
    assert anna.page.input_value("#loss-comment") == "Заказали у фрилансера"
    anna.page.screenshot(path=SHOTS / "board-loss-dialog.png")
    assert stage_of(deal).is_open
    anna.page.select_option("#loss-reason", str(reason.pk))
    dialog.locator("button:has-text('Отметить проигранной')").click()
    expect(dialog).to_be_hidden()
    expect(anna.page.locator(f"#column-{lost.pk} .badge").first).to_have_text("1")
    assert stage_of(deal).pk == lost.pk
    expect(anna.page.locator(f"#deal-{deal.pk}")).to_have_count(0)
    still_same_page(anna)


def test_an_invoice_is_warned_of_before_the_loss_and_a_refused_move_goes_back(
    browser, live_server, team, pipeline
):
    from deals.models import Stage

    lost = Stage.objects.get(kind=Stage.Kind.LOST)
    anna = e2e.Actor(browser, live_server, "board-invoice")
    anna.login("anna")
    anna.page.set_viewport_size({"width": 2100, "height": 900})
    open_board(anna)
    invoiced = pipeline["deals"][18]
    card = anna.page.locator(f"#deal-{invoiced.pk}")
    expect(card).to_contain_text("счёт выставлен")
    card.scroll_into_view_if_needed()
    anna.page.drag_and_drop(f"#deal-{invoiced.pk}", f"#column-{lost.pk}")
    warning = anna.page.locator("#warn-dialog")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("выставлен счёт № 12")
    anna.page.screenshot(path=SHOTS / "board-invoice-warning.png")
    warning.locator("button:has-text('Отмена')").click()
    expect(warning).to_be_hidden()
    expect(anna.page.locator("#loss-dialog")).to_be_hidden()
    assert stage_of(invoiced).is_open

    # Boris holds a task on Anna's deal: he sees it, but his move is refused and the card
    # goes back with the reason.
    boris = e2e.Actor(browser, live_server, "board-refused")
    boris.login("boris")
    boris.page.set_viewport_size({"width": 1366, "height": 768})
    open_board(boris)
    shared = pipeline["shared"]
    home = f"#column-{pipeline['stages'][0].pk}"
    boris.page.click(f"#deal-menu-{shared.pk}")
    boris.page.click(f"#stage-menu [data-stage='{pipeline['stages'][1].pk}']")
    note = boris.page.locator(f"{home} #deal-{shared.pk} .board-card-error")
    expect(note).to_contain_text("только задача")
    expect(boris.page.locator("#board-status")).to_contain_text("Сделка не перенесена")
    expect(boris.page.locator(f"#column-{pipeline['stages'][1].pk} .board-empty")).to_have_count(1)
    boris.page.screenshot(path=SHOTS / "board-refused.png")
    assert stage_of(shared).pk == pipeline["stages"][0].pk
    still_same_page(boris)


def test_the_board_on_a_phone_moves_a_card_through_its_menu(browser, live_server, team, pipeline):
    anna = e2e.Actor(browser, live_server, "board-phone", mobile=True)
    anna.context.close()
    anna.context = browser.new_context(
        locale="ru-RU", viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True
    )
    anna.page = anna.context.new_page()
    anna.page.set_default_timeout(15_000)
    anna.login("anna")
    open_board(anna)
    assert anna.page.evaluate("document.documentElement.scrollWidth") <= 360
    anna.page.screenshot(path=SHOTS / "board-360.png")
    deal = pipeline["deals"][4]
    second = pipeline["stages"][1]
    button = anna.page.locator(f"#deal-menu-{deal.pk}")
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    button.tap()
    menu = anna.page.locator("#stage-menu")
    expect(menu).to_be_visible()
    menu_box = menu.bounding_box()
    assert menu_box["x"] >= 0 and menu_box["x"] + menu_box["width"] <= 360
    anna.page.screenshot(path=SHOTS / "board-360-menu.png")
    menu.locator(f"[data-stage='{second.pk}']").tap()
    expect(anna.page.locator(f"#column-{second.pk} #deal-{deal.pk}")).to_have_count(1)
    expect(anna.page.locator("#board-status")).to_contain_text(f"Сделка №{deal.pk}")
    assert stage_of(deal).pk == second.pk
    still_same_page(anna)
