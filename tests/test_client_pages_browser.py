"""Every page a client opens by a link, in Chromium at a phone's, a tablet's and a laptop's
width: nothing runs off the screen, amounts and totals stay readable, the action button is in
reach, and the basics a phone needs hold (labelled fields, 44 px tap targets, legible buttons
and radios). Screenshots go to test-artifacts/screenshots/client-<page>-<width>.png
(E2E_SCREENSHOTS overrides the folder)."""

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from tests import test_e2e_browser as e2e

# The whole-workflow test's Chromium, team and company (the seller and the catalog).
CHROMIUM, SHOTS = e2e.CHROMIUM, e2e.SHOTS
browser, team, company = e2e.browser, e2e.team, e2e.company

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

WIDTHS = (320, 360, 768, 1366)


@dataclass(frozen=True)
class ClientPage:
    name: str
    path: str
    total: str = ""  # the selector of the sum the client must see
    action: str = ""  # the selector of the button the page is for
    says: str = ""  # text the page must show


def logo_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (180, 60), (30, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _long_calculation(deal, by):
    """Long names, fractional quantities, a line discount and a discount on the whole: the
    widest calculation table there is."""
    from billing.services import LineData, calculation_save

    return calculation_save(
        deal=deal,
        by=by,
        lines=[
            LineData(
                name="Разработка интернет-магазина с каталогом и личным кабинетом покупателя",
                quantity=Decimal("1"),
                price=Decimal("1180000"),
            ),
            LineData(
                name="Дизайн внутренней страницы",
                quantity=Decimal("12"),
                price=Decimal("9000"),
                discount=Decimal("12.5"),
            ),
            LineData(name="Техническая поддержка", quantity=Decimal("37.5"), price=Decimal("2750")),
        ],
        make_current=True,
    )


def _questionnaire(deal, by, *, submitted):
    from documents import services
    from documents.models import QuestionKind, QuestionnaireTemplate, TemplateQuestion

    template, made = QuestionnaireTemplate.objects.get_or_create(title="Бриф на интернет-магазин")
    if made:
        rows = [
            ("Название компании", QuestionKind.SHORT, True, []),
            ("Что должен делать сайт?", QuestionKind.LONG, True, []),
            ("Сколько товаров в каталоге", QuestionKind.NUMBER, False, []),
            ("Когда нужен запуск", QuestionKind.DATE, False, []),
            ("Тип сайта", QuestionKind.CHOICE, True, ["Визитка", "Интернет-магазин"]),
            ("Разделы", QuestionKind.MULTI, False, ["Услуги", "Блог", "Контакты"]),
            ("Нужна интеграция с 1С?", QuestionKind.YESNO, True, []),
            ("Техническое задание", QuestionKind.FILE, False, []),
        ]
        for order, (text, kind, required, choices) in enumerate(rows, start=1):
            TemplateQuestion.objects.create(
                template=template,
                order=order,
                text=text,
                kind=kind,
                required=required,
                choices=choices,
            )
    questionnaire = services.questionnaire_create(deal=deal, template=template, by=by)
    if submitted:
        from documents.forms import AnswerForm

        questions = list(questionnaire.questions.all())
        typed = [
            "ООО «Ромашка»",
            "Принимать заказы на торты и доставку по Москве",
            "1 500",
            "",
            "Интернет-магазин",
            ["Услуги", "Контакты"],
            "yes",
            "",
        ]
        data = {f"q{q.pk}": value for q, value in zip(questions, typed, strict=True)}
        form = AnswerForm(data, {}, questions=questions, final=True)
        assert form.is_valid(), form.errors
        services.questionnaire_submit(
            questionnaire=questionnaire,
            questions=questions,
            answers=form.valid_answers(),
            files={},
        )
    return questionnaire


def _invoice(deal, by, calculation=None, lines=()):
    from billing import services

    invoice = services.invoice_create(deal=deal, by=by, calculation=calculation, lines=lines)
    return services.invoice_issue(invoice=invoice, by=by)


def _failed_payment(invoice):
    """The client went to the payment page and refused: back on the invoice page."""
    from billing import payments, services
    from billing.models import Payment

    services.invoice_payment_start(
        invoice=invoice, return_url=invoice.public_url() + "?payment=return"
    )
    payment = Payment.objects.get(invoice=invoice)
    provider = payments.get_provider("sandbox")
    body = provider.complete(payment.provider_payment_id, succeeded=False)
    state = provider.parse_notification(body=body, remote_addr="")
    services.payment_notification(provider="sandbox", state=state)


@pytest.fixture
def client_pages(team, company, make_deal, settings) -> list[ClientPage]:
    """One page of every kind a client opens, in every state it shows."""
    from billing import services as billing
    from billing.models import Invoice, Payment
    from contacts.models import Client, Seller
    from deals.clients.services import deal_set_client
    from documents import services as documents
    from documents.models import DocumentTemplate

    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_ONLINE = True
    # One visitor opens some 200 pages and pictures a minute here, no person does.
    settings.PUBLIC_RATE_PER_MINUTE = 10_000
    anna = team["anna"]
    anna.last_name, anna.position, anna.phone = "Смирнова", "Менеджер проектов", "+79161234567"
    anna.save()
    seller = Seller.objects.active()
    seller.logo.save("logo.png", ContentFile(logo_png()))
    deal = make_deal(anna, title="Интернет-магазин для пекарни «Ромашка» с доставкой по Москве")
    deal = deal_set_client(deal=deal, client=Client.objects.get(inn="5003123458"), by=anna)
    calculation = _long_calculation(deal, anna)

    def document(create, kind):
        template = DocumentTemplate.objects.get(kind=kind, is_default=True)
        made = create(deal=deal, template=template, by=anna)
        return documents.document_finalize(document=made, by=anna)

    proposal = document(documents.proposal_create, "proposal")
    accepted_proposal = documents.proposal_respond(
        proposal=document(documents.proposal_create, "proposal"),
        accept=True,
        comment="Подходит, начинаем",
    )
    contract = document(documents.contract_create, "contract")
    accepted_contract = documents.contract_accept(
        contract=document(documents.contract_create, "contract"),
        name="Пекарев Илья Сергеевич",
        ip="203.0.113.7",
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0",
    )

    open_invoice = _invoice(deal, anna, calculation=calculation)
    small = [billing.LineData(name="Доработка каталога", quantity=Decimal("1"), price=12000)]
    partly = _invoice(deal, anna, lines=small)
    billing.payment_record(
        invoice=partly,
        amount=Decimal("5000"),
        paid_on=partly.date,
        method=Payment.Method.TRANSFER,
        by=anna,
    )
    paid = _invoice(deal, anna, lines=small)
    billing.payment_record(
        invoice=paid,
        amount=Decimal("12000"),
        paid_on=paid.date,
        method=Payment.Method.TRANSFER,
        by=anna,
    )
    failed = _invoice(deal, anna, lines=small)
    _failed_payment(failed)
    sandbox = billing.invoice_payment_start(
        invoice=open_invoice, return_url=open_invoice.public_url() + "?payment=return"
    )
    assert Invoice.objects.get(pk=paid.pk).is_paid

    pay = "button:has-text('Оплатить онлайн')"
    grand = ".inv-totals .inv-grand td"
    return [
        ClientPage(
            "questionnaire",
            _questionnaire(deal, anna, submitted=False).public_path(),
            action="button:has-text('Отправить ответы')",
        ),
        ClientPage(
            "questionnaire-done",
            _questionnaire(deal, anna, submitted=True).public_path(),
            says="Анкета заполнена",
        ),
        ClientPage(
            "proposal",
            proposal.public_path(),
            total=".calc-table .calc-grand td",
            action="button:has-text('Принять предложение')",
            says="Телефон: +7 916 123-45-67",
        ),
        ClientPage(
            "proposal-accepted",
            accepted_proposal.public_path(),
            total=".calc-table .calc-grand td",
            says="Вы приняли предложение",
        ),
        ClientPage(
            "contract",
            contract.public_path(),
            total=".calc-table .calc-grand td",
            action="button:has-text('Согласен с условиями')",
        ),
        ClientPage(
            "contract-accepted",
            accepted_contract.public_path(),
            total=".calc-table .calc-grand td",
            says="Вы согласились с условиями договора",
        ),
        ClientPage("invoice", open_invoice.public_path(), total=grand, action=pay),
        ClientPage(
            "sandbox",
            sandbox,
            total=".sandbox-amount",
            action="button:has-text('Оплатить')",
        ),
        ClientPage(
            "invoice-paid",
            paid.public_path() + "?payment=return",
            total=grand,
            says="Оплачено 12\u00a0000,00 ₽",
        ),
        ClientPage(
            "invoice-partly-paid",
            partly.public_path(),
            total=grand,
            action=pay,
            says="Оплачено 5\u00a0000,00 ₽ из 12\u00a0000,00 ₽, осталось 7\u00a0000,00 ₽",
        ),
        ClientPage(
            "invoice-payment-failed",
            failed.public_path() + "?payment=return",
            total=grand,
            action=pay,
            says="Платёж не прошёл — попробуйте ещё раз или оплатите по реквизитам",
        ),
    ]


# What the page reports about itself, measured in the browser. An amount is a cell whose
# text is a sum of money («1 180 000,00», «−1 250,00»).
MEASURE = r"""
([total, action]) => {
  const vw = document.documentElement.clientWidth;
  const inView = (r) => r.left >= -0.5 && r.right <= vw + 0.5;
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const describe = (el) => {
    const text = (el.innerText || el.value || "").trim().slice(0, 40);
    const name = el.name ? `[name=${el.name}]` : "";
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${name} «${text}»`;
  };

  // A scroll area counts when it is on screen itself and shows that it scrolls.
  const scrollArea = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (["auto", "scroll"].includes(s.overflowX) && p.scrollWidth > p.clientWidth + 1) {
        const hint = s.backgroundImage !== "none" || s.boxShadow !== "none" ||
          p.hasAttribute("data-scroll-hint");
        return inView(p.getBoundingClientRect()) && hint ? p : null;
      }
    }
    return null;
  };
  const amounts = [...document.querySelectorAll("main td, main th")]
    .filter((c) => /\d,\d\d(?!\d)/.test(c.innerText) && c.children.length === 0);
  const lostAmounts = amounts
    .filter((c) => !inView(c.getBoundingClientRect()) && !scrollArea(c))
    .map(describe);

  const reach = (el) => {
    if (!el) return "missing";
    if (!shown(el)) return "hidden";
    return inView(el.getBoundingClientRect()) ? "ok" : "off screen";
  };

  const fields = [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden" && shown(el));
  const unlabelled = fields
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") &&
      !el.getAttribute("aria-labelledby"))
    .map(describe);

  // Tap targets: buttons, button-links and fields; a radio or a checkbox together with its
  // label (what a finger hits).
  const small = [];
  const targets = [...document.querySelectorAll("button, .btn, input, select, textarea")]
    .filter((el) => el.type !== "hidden" && shown(el));
  for (const el of targets) {
    let r = el.getBoundingClientRect();
    let top = r.top, bottom = r.bottom;
    if (["radio", "checkbox"].includes(el.type)) {
      for (const label of el.labels || []) {
        const l = label.getBoundingClientRect();
        top = Math.min(top, l.top);
        bottom = Math.max(bottom, l.bottom);
      }
    }
    if (bottom - top < 44 - 0.5) small.push(`${describe(el)}: ${Math.round(bottom - top)}px`);
  }

  // Contrast from the computed colours: a button's text on its background, a radio's or a
  // checkbox's border on what is behind it.
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const v = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const backdrop = (el) => {
    const layers = [];
    for (let p = el; p; p = p.parentElement) {
      const c = parse(getComputedStyle(p).backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a >= 1) break;
      }
    }
    return layers.reduceRight((acc, c) => over(c, acc), { r: 255, g: 255, b: 255, a: 1 });
  };
  const luminance = ({ r, g, b }) => {
    const f = (x) => {
      x /= 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const dim = [];
  for (const el of document.querySelectorAll("button, .btn")) {
    if (!shown(el)) continue;
    const bg = backdrop(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    const value = ratio(fg, bg);
    if (value < 4.5) dim.push(`${describe(el)}: ${value.toFixed(2)}`);
  }
  for (const el of document.querySelectorAll("input[type=radio], input[type=checkbox]")) {
    if (!shown(el)) continue;
    const bg = backdrop(el.parentElement);
    const edge = over(parse(getComputedStyle(el).borderTopColor), bg);
    const value = ratio(edge, bg);
    if (value < 4.5) dim.push(`${describe(el)} (${el.value}): ${value.toFixed(2)}`);
  }

  return {
    viewport: vw,
    scrollWidth: document.documentElement.scrollWidth,
    amounts: amounts.length,
    lostAmounts,
    total: reach(total),
    action: reach(action),
    unlabelled,
    small,
    dim,
  };
}
"""


def _element(page, selector):
    if not selector:
        return None
    found = page.locator(selector)
    return found.first.element_handle() if found.count() else None


def test_client_pages_fit_every_screen_and_keep_the_basics(browser, live_server, client_pages):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in WIDTHS:
        context = browser.new_context(
            locale="ru-RU", viewport={"width": width, "height": 800 if width < 768 else 900}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        foreign = []
        page.on(
            "request",
            lambda r: foreign.append(r.url) if not r.url.startswith(live_server.url) else None,
        )
        for client_page in client_pages:
            page.goto(live_server.url + client_page.path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=SHOTS / f"client-{client_page.name}-{width}.png", full_page=True)
            found = page.evaluate(
                MEASURE, [_element(page, client_page.total), _element(page, client_page.action)]
            )
            where = f"{client_page.name} at {width}px"
            if found["scrollWidth"] > width:
                problems.append(f"{where}: the page is {found['scrollWidth']}px wide")
            if found["lostAmounts"]:
                problems.append(f"{where}: amounts off screen {found['lostAmounts']}")
            if client_page.total and found["total"] != "ok":
                problems.append(f"{where}: the total is {found['total']}")
            if client_page.action and found["action"] != "ok":
                problems.append(f"{where}: the action button is {found['action']}")
            for key, what in (
                ("unlabelled", "fields without a label"),
                ("small", "tap targets under 44px"),
                ("dim", "contrast under 4.5:1"),
            ):
                if found[key]:
                    problems.append(f"{where}: {what} {found[key]}")
            if client_page.says:
                text = page.inner_text("body")
                if client_page.says not in text:
                    problems.append(f"{where}: no «{client_page.says}»")
            if client_page.total.startswith(".calc-table") or client_page.name == "proposal":
                assert found["amounts"] > 0, where
        context.close()
        assert not foreign, foreign
    assert problems == [], "\n".join(problems)


def test_the_header_and_footer_are_the_sellers_and_the_managers(browser, live_server, client_pages):
    page = browser.new_page(viewport={"width": 360, "height": 800})
    for client_page in client_pages:
        if client_page.name == "sandbox":
            continue  # the payment service's page, not the seller's
        page.goto(live_server.url + client_page.path)
        header = page.locator("header.public-header")
        assert "ООО «Пиксель»" in header.inner_text(), client_page.name
        assert "ООО «Пиксель»" in page.title(), client_page.name
        logo = header.locator("img")
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), client_page.name
        assert logo.get_attribute("src").startswith("/p/"), client_page.name
        footer = page.locator("footer.public-footer").inner_text()
        for expected in ("Анна Смирнова", "Менеджер проектов", "+7 916 123-45-67", "anna@ex.ru"):
            assert expected in footer, (client_page.name, expected)
    page.close()


def test_the_payment_icons_are_the_projects_own_and_fit_a_phone(browser, live_server, client_pages):
    invoice = next(p for p in client_pages if p.name == "invoice")
    page = browser.new_page(viewport={"width": 320, "height": 800})
    page.goto(live_server.url + invoice.path)
    icons = page.eval_on_selector_all(
        ".pay-box img",
        """imgs => imgs.map((img) => {
            const r = img.getBoundingClientRect();
            return [img.getAttribute("src"), img.alt, img.complete && img.naturalWidth > 0,
                    r.height, r.right <= document.documentElement.clientWidth];
        })""",
    )
    page.close()
    assert [(src, alt) for src, alt, *_ in icons] == [
        ("/static/img/pay/mir.svg", "Мир"),
        ("/static/img/pay/visa.svg", "Visa"),
        ("/static/img/pay/mastercard.svg", "Mastercard"),
        ("/static/img/pay/sbp.svg", "СБП"),
    ]
    for src, _, loaded, height, on_screen in icons:
        assert loaded and on_screen and 24 <= height <= 40, (src, height)


def test_long_paragraphs_are_not_justified_on_a_phone(browser, live_server, client_pages):
    contract = next(p for p in client_pages if p.name == "contract")
    styles = {}
    for width in (360, 1366):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto(live_server.url + contract.path)
        styles[width] = page.eval_on_selector(
            ".doc-body p", "p => [getComputedStyle(p).textAlign, getComputedStyle(p).hyphens]"
        )
        page.close()
    assert styles[360] == ["left", "auto"]
    assert styles[1366][0] == "justify"


def _pay_and_return(page, live_server, invoice, button):
    page.goto(live_server.url + invoice.public_path())
    page.click("button:has-text('Оплатить онлайн')")
    page.wait_for_url("**/p/pay/sandbox/**")
    page.click(f"button:has-text('{button}')")
    page.wait_for_url(re.compile(r".*/p/i/.*\?payment=return$"))


def test_after_the_sandbox_the_client_sees_what_happened_to_the_payment(
    browser, live_server, client_pages, settings
):
    from billing.models import Invoice

    # The return address leads to the invoice page even when the site's address differs.
    settings.SITE_URL = "https://crm.example.ru"
    invoice = Invoice.objects.get(status=Invoice.Status.SENT, total=Decimal("12000"))
    page = browser.new_page(viewport={"width": 360, "height": 800})
    _pay_and_return(page, live_server, invoice, "Отказаться")
    assert "Платёж не прошёл — попробуйте ещё раз или оплатите по реквизитам" in (
        page.locator(".pay-state").inner_text()
    )
    _pay_and_return(page, live_server, invoice, "Оплатить")
    state = page.locator(".pay-state").inner_text()
    invoice.refresh_from_db()
    assert invoice.is_paid
    assert f"Оплачено 12\u00a0000,00 ₽ {_date_long(invoice.paid_at)}" in state
    assert "К оплате" not in page.inner_text("main")
    page.screenshot(path=SHOTS / "client-invoice-paid-in-sandbox-360.png", full_page=True)
    page.close()


def _date_long(moment):
    from django.utils import timezone

    from crm.formats import date_long

    return date_long(timezone.localtime(moment).date())
