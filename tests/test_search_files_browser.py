"""In Chromium: the top bar's search as one types, driven by the keyboard, and files put on a
deal card several at once, by the file picker and by drag and drop, with the progress bar
and the list updating without a reload. Screenshots at 1366 and 360 px go to
test-artifacts/screenshots/ (E2E_SCREENSHOTS overrides the folder)."""

import pytest

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

    anna, boris = team["anna"], team["boris"]
    mine = [
        services.deal_create(title=f"Сайт для стоматологии {n}", manager=anna, by=anna)
        for n in (1, 2, 3)
    ]
    services.contact_save(
        contact=Contact(name="Иван Петров"),
        phones=["+79161234567"],
        emails=["ivan@example.ru"],
        deal=mine[0],
        by=anna,
    )
    theirs = services.deal_create(title="Сайт для ветклиники", manager=boris, by=boris)
    return {"mine": mine, "theirs": theirs}


@pytest.mark.parametrize("width", [1366, 360])
def test_search_as_one_types_and_open_a_hit_with_the_keyboard(browser, live_server, deals, width):
    anna = e2e.Actor(browser, live_server, f"search-{width}", mobile=width == 360)
    anna.login("anna")
    page = anna.page
    if width == 360:
        page.click(".navbar-toggler")
    box = page.locator("[data-search-input]")
    box.click()
    box.press_sequentially("сайт", delay=60)
    dropdown = page.locator("#search-dropdown")
    expect(dropdown).to_be_visible()
    expect(dropdown.locator("[data-search-hit]", has_text="стоматологии 3")).to_be_visible()
    expect(dropdown).not_to_contain_text("ветклиники")
    expect(box).to_have_attribute("aria-expanded", "true")
    anna.shot("dropdown")

    box.press("ArrowDown")
    box.press("ArrowDown")
    second = dropdown.locator("[data-search-hit]").nth(1)
    expect(second).to_have_class("search-hit active")
    target = second.get_attribute("href")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    box.press("Enter")
    page.wait_for_url(live_server.url + target)
    expect(page.locator("h1")).to_contain_text("Сайт для стоматологии 2")

    # A phone typed the way people say it finds the contact; Escape closes the list.
    if width == 360:
        page.click(".navbar-toggler")
    box.fill("")
    box.press_sequentially("8 (916) 123-45-67", delay=20)
    expect(dropdown.locator("[data-search-hit]", has_text="Иван Петров")).to_be_visible()
    expect(dropdown).to_contain_text("+7 916 123-45-67")
    anna.shot("phone")
    box.press("Escape")
    expect(dropdown).to_be_hidden()

    # Enter with nothing chosen opens the page of all results (which works without scripts).
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    expect(page.locator("#search-contacts")).to_contain_text("Иван Петров")
    anna.shot("page")
    assert anna.console == []


def test_files_go_up_several_at_once_with_a_progress_bar_and_no_reload(
    browser, live_server, deals, settings
):
    from deals.models import DealFile

    settings.DEAL_FILE_MAX_MB = 2
    deal = deals["mine"][0]
    anna = e2e.Actor(browser, live_server, "files")
    anna.login("anna")
    anna.go(deal.get_absolute_url(), "card")
    page = anna.page
    page.evaluate("window.sameDocument = true")
    # Watch the bar: every percentage it shows, and whether it was on the screen.
    page.evaluate(
        """() => {
          window.progressSeen = [];
          new MutationObserver(() => {
            const bar = document.querySelector('[data-file-progress]');
            if (bar && !bar.classList.contains('d-none')) {
              window.progressSeen.push(Number(bar.getAttribute('aria-valuenow')));
            }
          }).observe(document.body, {subtree: true, attributes: true, childList: true});
        }"""
    )
    big = b"%PDF-1.4\n" + b"0" * (1536 * 1024)
    page.set_input_files(
        "#deal-files-input",
        files=[
            {"name": "Смета весна.pdf", "mimeType": "application/pdf", "buffer": big},
            {"name": "план.txt", "mimeType": "text/plain", "buffer": "Этапы работ".encode()},
            {"name": "вирус.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ\x90"},
        ],
    )
    files = page.locator("[data-file-list] [data-file]")
    expect(files).to_have_count(2)
    expect(page.locator("[data-file-errors]")).to_contain_text(
        "«вирус.exe»: Файлы такого типа не принимаются"
    )
    assert page.evaluate("window.sameDocument") is True
    seen = page.evaluate("window.progressSeen")
    assert seen and max(seen) == 100, seen
    anna.shot("uploaded")

    # Two more dropped on the section at once; one over the limit is refused before sending.
    page.evaluate(
        """() => {
          const data = new DataTransfer();
          data.items.add(new File(['a;b\\n1;2'], 'таблица.csv', {type: 'text/csv'}));
          data.items.add(new File(['%PDF-1.4 x'], 'акт.pdf', {type: 'application/pdf'}));
          data.items.add(new File([new Uint8Array(3 * 1048576)], 'огромный.pdf'));
          const zone = document.querySelector('[data-files-panel]');
          const init = {dataTransfer: data, bubbles: true, cancelable: true};
          zone.dispatchEvent(new DragEvent('dragover', init));
          zone.dispatchEvent(new DragEvent('drop', init));
        }"""
    )
    expect(files).to_have_count(4)
    expect(page.locator("[data-file-errors]")).to_contain_text(
        "«огромный.pdf»: Файл слишком большой: 3,0 МБ. Можно не больше 2 МБ."
    )
    assert page.evaluate("window.sameDocument") is True
    assert sorted(DealFile.objects.values_list("name", flat=True)) == [
        "Смета весна.pdf",
        "акт.pdf",
        "план.txt",
        "таблица.csv",
    ]

    # Deleting one asks first and updates the list in place too.
    page.once("dialog", lambda dialog: dialog.accept())
    files.filter(has_text="план.txt").get_by_role("button").click()
    expect(files).to_have_count(3)
    assert page.evaluate("window.sameDocument") is True
    anna.shot("deleted")
    page.set_viewport_size({"width": 360, "height": 740})
    anna.shot("card-360")
    assert anna.console == []
