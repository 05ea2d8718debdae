"""The whole workflow in a real browser (Debian's Chromium through playwright), each actor in
a browser context of their own, against a live server. Screenshots of every page visited go
to test-artifacts/screenshots/ (E2E_SCREENSHOTS overrides the folder)."""

import json
import os
import re
import shutil
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect


class Actor:
    """One person in their own browser context; every page they see is photographed."""

    def __init__(self, browser, live_server, name, *, mobile=False):
        self.name = name
        self.base = live_server.url
        options = {"viewport": {"width": 360, "height": 740}} if mobile else {}
        self.context = browser.new_context(locale="ru-RU", **options)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.requests: list[str] = []
        self.console: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on(
            "console",
            lambda m: (
                self.console.append(f"{self.shots} {self.page.url}: {m.text} {m.location}")
                if m.type == "error"
                else None
            ),
        )
        self.shots = 0

    def shot(self, label):
        self.shots += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(
            path=SHOTS / f"{self.name}-{self.shots:02d}-{label}.png", full_page=True
        )

    def go(self, path, label):
        self.page.goto(self.base + path)
        self.shot(label)

    def login(self, username):
        self.go("/login/", "login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", username)
        self.page.click("form button")
        self.page.wait_for_url(lambda url: "/login/" not in url)


@pytest.fixture
def browser(live_server, monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SITE_URL = live_server.url
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture
def team(stages):
    from crm.models import User

    people = {}
    for username, first, role in [
        ("anna", "Анна", User.Role.MANAGER),
        ("boris", "Борис", User.Role.MANAGER),
        ("olga", "Ольга", User.Role.HEAD),
    ]:
        people[username] = User.objects.create_user(
            username, password=username, first_name=first, role=role, email=f"{username}@ex.ru"
        )
    return people


@pytest.fixture
def company(team):
    """What an administrator sets up before the team starts: the website, a questionnaire
    template, the catalog and the seller."""
    from billing.models import CatalogItem
    from contacts.demo import load as load_contacts_demo
    from deals.models import LeadSource
    from documents.models import QuestionKind, QuestionnaireTemplate, TemplateQuestion

    site = LeadSource.objects.create(name="Сайт студии", manager=team["anna"])
    brief = QuestionnaireTemplate.objects.create(title="Бриф на сайт", intro="Пара вопросов.")
    TemplateQuestion.objects.create(
        template=brief,
        order=1,
        text="Что должен делать сайт?",
        kind=QuestionKind.SHORT,
        required=True,
    )
    TemplateQuestion.objects.create(
        template=brief,
        order=2,
        text="Нужна интеграция с 1С?",
        kind=QuestionKind.YESNO,
        required=True,
    )
    CatalogItem.objects.create(name="Разработка сайта", price=Decimal("120000"))
    CatalogItem.objects.create(name="Хостинг", price=Decimal("500"))
    load_contacts_demo(stdout=open(os.devnull, "w"))  # noqa: SIM115 (the seller's requisites)
    return {"site": site}


def post_lead(live_server, site):
    request = urllib.request.Request(
        live_server.url + "/api/leads/",
        data=json.dumps(
            {"name": "Пётр Лидов", "phone": "+7 916 700-00-01", "message": "Нужен сайт-визитка"}
        ).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {site.key}"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 (the live test server)
        assert response.status == 201
        return json.loads(response.read())["id"]


def test_the_whole_workflow(browser, live_server, team, company):
    from deals.models import Deal

    anna = Actor(browser, live_server, "anna")
    boris = Actor(browser, live_server, "boris")
    olga = Actor(browser, live_server, "olga")
    client = Actor(browser, live_server, "client", mobile=True)

    # 1. A website posts a lead; the manager sees the deal. She also logs a phone call.
    lead_id = post_lead(live_server, company["site"])
    anna.login("anna")
    anna.go("/deals/", "deals")
    expect(anna.page.locator("body")).to_contain_text("Заявка с сайта Сайт студии: Пётр Лидов")
    anna.go("/deals/new/", "deal-new")
    anna.page.fill("input[name=title]", "Интернет-магазин для пекарни")
    anna.page.select_option("select[name=source]", "phone")
    anna.page.fill("input[name=budget]", "150000")
    anna.page.click("button:has-text('Создать сделку')")
    expect(anna.page.locator("h1")).to_contain_text("Интернет-магазин для пекарни")
    expect(anna.page.locator("#no-task-warning")).to_be_visible()
    deal = Deal.objects.get(title="Интернет-магазин для пекарни")
    card = f"/deals/{deal.pk}/"
    anna.shot("card-created")

    # 2. A task for a colleague, who sees it under «Мои задачи» and completes it.
    anna.page.click("summary:has-text('Поставить задачу')")
    anna.page.fill("#tasks input[name=text]", "Подготовить смету")
    anna.page.select_option("#tasks select[name=assignee]", str(team["boris"].pk))
    due = timezone.localtime() + timedelta(days=1)
    anna.page.fill("#tasks input[name=due_at]", due.strftime("%Y-%m-%dT%H:%M"))
    anna.page.click("#tasks button:has-text('Поставить')")
    expect(anna.page.locator("#tasks")).to_contain_text("Подготовить смету")
    anna.shot("task-set")
    boris.login("boris")
    boris.go("/deals/tasks/my/", "my-tasks")
    expect(boris.page.locator("body")).to_contain_text("Подготовить смету")
    boris.page.click("a:has-text('Выполнить')")
    boris.page.fill("textarea[name=result]", "Смета на 148 500 ₽ готова")
    boris.page.click("button:has-text('Выполнено')")
    boris.shot("task-done")
    anna.go(card, "card-after-task")
    expect(anna.page.locator("#timeline")).to_contain_text("Смета на 148 500 ₽ готова")

    # 3. Two contact persons, added without leaving the card.
    for name, phone, email in [
        ("Мария Пекарева", "+7 916 700-00-02", "maria@bakery.ru"),
        ("Илья Пекарев", "+7 916 700-00-03", "ilya@bakery.ru"),
    ]:
        anna.page.click("#contacts summary:has-text('Добавить контакт')")
        anna.page.fill("#contacts input[name=name]", name)
        anna.page.fill("#contacts input[name=phones_text]", phone)
        anna.page.fill("#contacts input[name=emails_text]", email)
        anna.page.click("#contacts button:has-text('Добавить')")
        expect(anna.page.locator("#contacts-block")).to_contain_text(name)
    expect(anna.page.locator("#contacts-block")).to_contain_text("+7 916 700-00-03")
    anna.shot("contacts")

    # 4. Comments appear in the timeline without a reload.
    for text in ["Клиент хочет каталог на 40 товаров", "Договорились: запуск до 1 марта"]:
        anna.page.fill("#timeline textarea[name=text]", text)
        anna.page.click("#timeline button:has-text('Добавить комментарий')")
        expect(anna.page.locator("#timeline-block")).to_contain_text(text)
    anna.shot("comments")

    # 5. A questionnaire: the client fills it on a phone; the manager is e-mailed.
    anna.page.select_option("select[name=template]", label="Бриф на сайт")
    anna.page.click("button:has-text('Создать анкету')")
    link = anna.page.locator("#panel-questionnaires input[readonly]").first.input_value()
    anna.page.click("#panel-questionnaires button:has-text('Отправить клиенту')")
    anna.shot("questionnaire-sent")
    client.page.goto(link)
    client.shot("questionnaire")
    client.page.click("button:has-text('Отправить ответы')")
    expect(client.page.locator("body")).to_contain_text("Что должен делать сайт?")
    client.shot("questionnaire-errors")
    client.page.fill("input[type=text]", "Принимать заказы на торты")
    client.page.locator("input[type=radio]").first.check()
    client.page.click("button:has-text('Отправить ответы')")
    expect(client.page.locator("body")).to_contain_text("Принимать заказы на торты")
    client.shot("questionnaire-done")
    subjects = [m.subject for m in mail.outbox]
    assert any("Клиент заполнил анкету «Бриф на сайт»" in s for s in subjects), subjects
    anna.go(card, "card-answers")
    expect(anna.page.locator("#panel-questionnaires")).to_contain_text("Принимать заказы на торты")

    # 6. A calculation; the budget follows it.
    anna.go(f"/deals/{deal.pk}/calculations/new/", "calculator")
    anna.page.fill("input[type=search]", "разработка")
    anna.page.click("#catalog-results button:has-text('Разработка сайта')")
    expect(anna.page.locator("input[name=lines-0-name]")).to_have_value("Разработка сайта")
    anna.page.click("button:has-text('+ Строка без каталога')")
    anna.page.wait_for_selector("input[name=lines-1-name]")
    anna.page.fill("input[name=lines-1-name]", "Наполнение каталога")
    anna.page.fill("input[name=lines-1-quantity]", "12")
    anna.page.fill("input[name=lines-1-price]", "2375")
    expect(anna.page.locator("#calc-total")).to_contain_text("148\u00a0500,00")
    anna.page.click("button:has-text('Сохранить расчёт')")
    anna.page.wait_for_selector(".alert-success")
    anna.go(card, "card-budget")
    expect(anna.page.locator("body")).to_contain_text("148\u00a0500,00 ₽")
    expect(anna.page.locator("#timeline")).to_contain_text("150\u00a0000,00 → 148\u00a0500,00 ₽")

    # 8. The buyer's requisites: a wrong ИНН is refused first.
    panel = anna.page.locator("#client-panel")
    panel.locator("a:has-text('Создать нового клиента')").click()
    panel = anna.page.locator("#client-panel")
    panel.locator("input[name=client-kind][value=legal]").check()
    panel.locator("input[name=client-name]").fill("ООО «Пекарня»")
    fill_legal_client(panel, inn="7707083894")
    panel.locator("button:has-text('Создать и привязать')").click()
    expect(anna.page.locator("#client-panel")).to_contain_text("ИНН: неверное контрольное число")
    anna.shot("client-wrong-inn")
    assert not Deal.objects.get(pk=deal.pk).client_id
    panel = anna.page.locator("#client-panel")
    panel.locator("input[name=client-inn]").fill("7707083893")
    panel.locator("button:has-text('Создать и привязать')").click()
    expect(anna.page.locator("#client-panel")).to_contain_text("ИНН 7707083893")
    anna.shot("client-set")

    for step in EXTRA_STEPS:
        step(anna=anna, boris=boris, olga=olga, client=client, deal=deal, card=card)

    # 11. The head of sales opens the funnel for the month.
    lose_the_lead(anna, lead_id)
    olga.login("olga")
    olga.go("/reports/funnel/", "funnel")
    body = olga.page.locator("body")
    expect(body).to_contain_text("Воронка продаж")
    expect(body).to_contain_text("Выбрали конкурента")
    for actor in (anna, boris, olga, client):
        foreign = [u for u in actor.requests if not u.startswith(live_server.url)]
        assert not foreign, f"{actor.name} loaded from another host: {foreign}"
        assert not [c for c in actor.console if "Content Security Policy" in c], (
            actor.name,
            actor.console,
        )


def fill_legal_client(panel, *, inn):
    values = {
        "full_name": "Общество с ограниченной ответственностью «Пекарня»",
        "inn": inn,
        "kpp": "770701001",
        "ogrn": "1027700132195",
        "legal_address": "125009, г. Москва, ул. Тверская, д. 7",
        "signatory_position": "Генеральный директор",
        "signatory_name": "Пекарев Илья Сергеевич",
    }
    for field, value in values.items():
        locator = panel.locator(f"[name=client-{field}]")
        if locator.count():
            locator.first.fill(value)


def lose_the_lead(actor, lead_id):
    from deals.models import LossReason, Stage

    lost = Stage.objects.get(kind=Stage.Kind.LOST)
    reason = LossReason.objects.get(name="Выбрали конкурента")
    actor.go(f"/deals/{lead_id}/move/", "lead-lose")
    actor.page.select_option("select[name=stage]", str(lost.pk))
    actor.page.select_option("select[name=loss_reason]", str(reason.pk))
    actor.page.fill("textarea[name=comment]", "Заказали у фрилансера")
    actor.page.click("button:has-text('Перевести')")
    expect(actor.page.locator("body")).to_contain_text("Выбрали конкурента")
    actor.shot("lead-lost")


def send_document(anna, card, create_label, kind):
    """Create a document from the default template on the card, fix it and send the link to
    the deal's contact; returns the client's link."""
    from documents.models import Contract, Proposal

    anna.go(card, f"card-before-{kind}")
    anna.page.once("dialog", lambda dialog: dialog.accept())
    anna.page.click(f"button:has-text('{create_label}')")
    anna.page.wait_for_load_state("networkidle")
    anna.go(card, f"card-{kind}-draft")
    anna.page.once("dialog", lambda dialog: dialog.accept())
    anna.page.locator("button:has-text('Зафиксировать и отправить')").first.click()
    anna.page.wait_for_load_state("networkidle")
    anna.shot(f"{kind}-sent")
    model = Proposal if kind == "proposal" else Contract
    return model.objects.order_by("-pk").first().public_path()


def step_proposal(anna, client, card, **_):
    # 7. A proposal with the calculation table; the client opens and accepts it.
    link = send_document(anna, card, "Создать КП", "proposal")
    client.go(link, "proposal")
    expect(client.page.locator("body")).to_contain_text("148 500,00")
    client.page.fill("textarea[name=comment]", "Подходит, начинаем")
    client.page.click("button:has-text('Принять предложение')")
    expect(client.page.locator("#answer")).to_contain_text("Вы приняли предложение")
    client.shot("proposal-accepted")


def step_contract(anna, client, card, **_):
    # 9. A contract with both parties' requisites; the client accepts it.
    from documents.models import Contract

    link = send_document(anna, card, "Создать договор", "contract")
    client.go(link, "contract")
    expect(client.page.locator("body")).to_contain_text("7707083893")
    client.page.fill("input[name=full_name]", "Пекарев Илья Сергеевич")
    client.page.check("input[name=consent]")
    client.page.click("button:has-text('Согласен с условиями')")
    client.page.wait_for_load_state("networkidle")
    client.shot("contract-accepted")
    contract = Contract.objects.order_by("-pk").first()
    assert contract.accepted_name == "Пекарев Илья Сергеевич"
    assert len(contract.accepted_pdf_sha256) == 64


def step_invoices(anna, client, deal, card, **_):
    # 10. An invoice from the calculation, paid online in the sandbox; a second one paid by
    # hand.
    from billing.models import Invoice

    anna.go(card, "card-before-invoice")
    anna.page.click("a:has-text('Счёт по текущему расчёту')")
    anna.page.click("button:has-text('Создать черновик счёта')")
    anna.page.wait_for_url("**/invoices/*/")
    anna.page.click("button:has-text('Выставить')")
    anna.page.wait_for_load_state("networkidle")
    anna.shot("invoice-issued")
    invoice = Invoice.objects.filter(deal=deal).order_by("pk").first()
    client.go(invoice.public_path(), "invoice")
    expect(client.page.locator("body")).to_contain_text("Сто сорок восемь тысяч пятьсот рублей")
    client.page.click("button:has-text('Оплатить онлайн')")
    client.page.wait_for_url("**/p/pay/sandbox/**")
    client.shot("sandbox")
    client.page.click("button:has-text('Оплатить')")
    client.page.wait_for_url("**/p/i/**")
    expect(client.page.locator(".alert-success")).to_contain_text("Счёт оплачен.")
    client.shot("invoice-paid")

    anna.go(f"/deals/{deal.pk}/invoices/new/?manual=1", "invoice-manual")
    anna.page.fill("input[name=lines-0-name]", "Доработка каталога")
    anna.page.fill("input[name=lines-0-price]", "15000")
    anna.page.click("button:has-text('Создать черновик счёта')")
    anna.page.wait_for_url("**/invoices/*/")
    anna.page.click("button:has-text('Выставить')")
    anna.page.wait_for_load_state("networkidle")
    second = Invoice.objects.filter(deal=deal).order_by("-pk").first()
    anna.go(f"/deals/{deal.pk}/invoices/{second.pk}/payments/new/", "payment-manual")
    anna.page.fill("input[name=amount]", "15000")
    anna.page.fill("input[name=paid_on]", timezone.localdate().isoformat())
    anna.page.locator("input[name=method]").last.check()
    anna.page.click("button:has-text('Отметить оплату')")
    anna.page.wait_for_load_state("networkidle")
    anna.shot("invoice-paid-by-hand")
    second.refresh_from_db()
    invoice.refresh_from_db()
    assert (invoice.status, second.status) == (Invoice.Status.PAID, Invoice.Status.PAID)


def step_act(anna, client, deal, card, **_):
    # 10a. An act from the invoice paid online: the manager fixes it and sends the link, the
    # client signs it on a phone, the card shows it signed.
    from billing.models import Act, Invoice

    invoice = Invoice.objects.filter(deal=deal, status=Invoice.Status.PAID).order_by("pk").first()
    anna.go(invoice.get_absolute_url(), "invoice-paid-page")
    anna.page.click("button:has-text('Создать акт')")
    anna.page.wait_for_url("**/acts/*/")
    expect(anna.page.locator("body")).to_contain_text("Черновик акта")
    anna.page.once("dialog", lambda dialog: dialog.accept())
    anna.page.click("button:has-text('Зафиксировать и отправить')")
    anna.page.wait_for_load_state("networkidle")
    expect(anna.page.locator(".alert-success")).to_contain_text("Ссылка на акт отправлена")
    anna.shot("act-sent")
    act = Act.objects.get(deal=deal)
    assert act.number == 1
    client.go(act.public_path(), "act")
    expect(client.page.locator("body")).to_contain_text("выполнены полностью и в срок")
    width = client.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the act's page is {width}px wide on a 360px screen"
    client.page.fill("input[name=full_name]", "Пекарев Илья Сергеевич")
    client.page.check("input[name=consent]")
    client.page.click("button:has-text('Подписать акт')")
    expect(client.page.locator("#answer")).to_contain_text("Вы подписали акт")
    client.shot("act-signed")
    anna.go(card, "card-act-signed")
    expect(anna.page.locator(f"#act-{act.pk}")).to_contain_text("Подписан клиентом")
    act.refresh_from_db()
    assert act.accepted_name == "Пекарев Илья Сергеевич" and len(act.accepted_pdf_sha256) == 64
    assert Invoice.objects.get(pk=invoice.pk).is_delivered


EXTRA_STEPS: list = [step_proposal, step_contract, step_invoices, step_act]


def test_client_pages_fit_a_phone_and_load_nothing_from_other_hosts(
    browser, live_server, team, company, make_deal
):
    from documents import services as doc_services
    from documents.models import QuestionnaireTemplate

    deal = make_deal(team["anna"], title="Сайт для кафе")
    q = doc_services.questionnaire_create(
        deal=deal, template=QuestionnaireTemplate.objects.get(), by=team["anna"]
    )
    client = Actor(browser, live_server, "phone", mobile=True)
    for path in [q.public_path(), *EXTRA_PUBLIC_PATHS(deal, team)]:
        client.page.goto(live_server.url + path)
        client.shot(re.sub(r"\W+", "-", path.split("/")[2]))
        width = client.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px screen"
    foreign = [u for u in client.requests if not u.startswith(live_server.url)]
    assert not foreign


def EXTRA_PUBLIC_PATHS(deal, team):  # noqa: N802 (a hook later features extend)
    return []


def test_a_task_is_moved_by_a_preset_and_completed_with_the_next_one(
    browser, live_server, team, make_deal
):
    from deals import schedule, services
    from deals.models import Task

    anna_user = team["anna"]
    deal = make_deal(anna_user, title="Сайт для автосервиса")
    task = services.task_create(
        deal=deal,
        author=anna_user,
        assignee=anna_user,
        kind="call",
        text="Позвонить директору",
        due_at=timezone.now() + timedelta(hours=3),
    )
    anna = Actor(browser, live_server, "anna-tasks")
    anna.login("anna")
    anna.go("/deals/tasks/my/", "my-tasks")

    # Move it to tomorrow 10:00 by the preset: the server fills the field.
    item = anna.page.locator("li", has_text="Позвонить директору")
    item.locator("a:has-text('Изменить')").click()
    anna.page.wait_for_url("**/edit/**")
    tomorrow = timezone.localtime(schedule.preset_due("tomorrow"))
    anna.page.click("button:has-text('Завтра в 10:00')")
    expect(anna.page.locator("input[name=due_at]")).to_have_value(f"{tomorrow:%Y-%m-%dT%H:%M}")
    anna.shot("task-preset")
    anna.page.click("button:has-text('Сохранить')")
    anna.page.wait_for_url("**/deals/tasks/my/")
    expect(anna.page.locator("body")).to_contain_text(f"до {tomorrow:%d.%m.%Y} 10:00")
    task.refresh_from_db()
    assert task.due_at == tomorrow

    # Complete it with a result and the next task, due on Monday by its preset.
    anna.page.locator("li", has_text="Позвонить директору").locator(
        "a:has-text('Выполнить')"
    ).click()
    anna.page.fill("textarea[name=result]", "Директор согласен на встречу")
    anna.page.fill("input[name=next_text]", "Встреча в автосервисе")
    anna.page.select_option("select[name=next_kind]", "meeting")
    monday = timezone.localtime(schedule.preset_due("monday"))
    anna.page.click("button:has-text('В понедельник')")
    expect(anna.page.locator("input[name=next_due]")).to_have_value(f"{monday:%Y-%m-%dT%H:%M}")
    anna.shot("task-complete-next")
    anna.page.click("button:has-text('Выполнено')")
    anna.page.wait_for_url("**/deals/tasks/my/")
    expect(anna.page.locator("body")).to_contain_text("Встреча в автосервисе")
    anna.shot("my-tasks-next")
    task.refresh_from_db()
    assert task.result == "Директор согласен на встречу"
    following = Task.objects.get(done_at__isnull=True)
    assert (following.text, following.kind, following.due_at) == (
        "Встреча в автосервисе",
        "meeting",
        monday,
    )
    anna.go(f"/deals/{deal.pk}/", "card-timeline")
    expect(anna.page.locator("#timeline")).to_contain_text("перенесена с")
    expect(anna.page.locator("#timeline")).to_contain_text("Задача для Анны (встреча")
    anna.go("/deals/tasks/calendar/", "calendar-week")
    anna.go("/deals/tasks/calendar/?view=month", "calendar-month")
    assert not anna.console, anna.console

    # The head of sales sees it among the team's tasks and on the team's calendar.
    olga = Actor(browser, live_server, "olga-tasks")
    olga.login("olga")
    olga.go("/deals/tasks/my/", "head-my-tasks")
    olga.page.click("a:has-text('Задачи команды')")
    olga.page.wait_for_url("**/deals/tasks/team/")
    olga.shot("team-tasks")
    expect(olga.page.locator("#team-summary")).to_contain_text("Анна")
    expect(olga.page.locator("body")).to_contain_text("Встреча в автосервисе")
    olga.go(f"/deals/tasks/calendar/?view=month&scope=team&date={monday:%Y-%m-%d}", "team-month")
    expect(olga.page.locator(f"td[data-date='{monday:%Y-%m-%d}']")).to_contain_text(
        "Встреча в автосервисе"
    )
    assert not olga.console, olga.console


# The bell: a lead arrives while the manager has the deal list open, and the bell shows it
# without a reload; she opens it from the list and it is read.
def test_a_new_lead_rings_the_bell_of_the_open_deal_list(
    browser, live_server, team, company, settings
):
    settings.NOTIFICATIONS_POLL_SECONDS = 1
    anna = Actor(browser, live_server, "bell-anna")
    anna.login("anna")
    anna.go("/deals/", "deals-before")
    bell = anna.page.locator("#notification-bell")
    expect(bell).to_be_visible()
    expect(bell.locator(".notification-badge")).to_have_count(0)
    anna.page.evaluate("window.stillTheSamePage = true")

    post_lead(live_server, company["site"])

    expect(bell.locator(".notification-badge")).to_have_text("1", timeout=10_000)
    expect(bell).to_have_attribute("aria-label", "1 непрочитанное уведомление")
    assert anna.page.evaluate("window.stillTheSamePage") is True  # no reload
    assert anna.page.url == live_server.url + "/deals/"
    anna.shot("deals-bell-rings")

    bell.click()
    anna.page.wait_for_url("**/notifications/")
    item = anna.page.locator(".notification-list a.fw-bold")
    expect(item).to_have_text("Заявка с сайта Сайт студии: Пётр Лидов")
    expect(anna.page.locator("#unread-summary")).to_have_text("1 непрочитанное уведомление.")
    anna.shot("notifications")
    item.click()
    expect(anna.page.locator("h1")).to_contain_text("Заявка с сайта Сайт студии: Пётр Лидов")
    expect(anna.page.locator("#notification-bell .notification-badge")).to_have_count(0)
    anna.go("/notifications/", "notifications-read")
    expect(anna.page.locator(".notification-list a.fw-bold")).to_have_count(0)

    # She wants to hear of opened documents in the app only.
    anna.page.click("main a:has-text('Настройки')")
    expect(anna.page.locator("main")).to_contain_text("Клиент открыл документ")
    anna.page.check("input[name='client.opened'][value='app']")
    anna.page.click("button:has-text('Сохранить')")
    expect(anna.page.locator(".alert-success")).to_contain_text("Настройки уведомлений сохранены.")
    anna.shot("notification-settings")
    from crm.notifications import wants_email

    assert wants_email(team["anna"], "client.opened") is False
    assert wants_email(team["anna"], "client.filled") is True
    assert anna.console == []
