from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from billing.payments import PAY_METHODS
from billing.payments.sandbox import SandboxProvider

PARTIAL = "billing/includes/_pay_methods.html"


def test_the_partial_shows_each_method_as_our_own_icon():
    html = render_to_string(PARTIAL, {"methods": SandboxProvider().methods})
    shown = [("mir", "Мир"), ("visa", "Visa"), ("mastercard", "Mastercard"), ("sbp", "СБП")]
    for code, title in shown:
        assert f'src="/static/img/pay/{code}.svg"' in html
        assert f'alt="{title}"' in html
    assert 'aria-label="Способы оплаты"' in html


def test_the_partial_shows_only_the_methods_it_is_given():
    html = render_to_string(PARTIAL, {"methods": (PAY_METHODS["mir"], PAY_METHODS["sbp"])})
    assert "mir.svg" in html and "sbp.svg" in html
    assert "visa.svg" not in html and "mastercard.svg" not in html
    assert render_to_string(PARTIAL, {"methods": ()}).strip() == ""


@pytest.mark.parametrize("method", PAY_METHODS.values(), ids=lambda m: m.code)
def test_every_icon_is_a_plain_svg_served_by_the_project(method):
    path = finders.find(method.icon)
    assert path, f"static/{method.icon} is missing"
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 48 32"
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert tags <= {"svg", "title", "rect", "text"}  # no script, no links, no images
