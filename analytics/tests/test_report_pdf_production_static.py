"""The funnel report's PDF keeps its stylesheet under production settings (DEBUG off, static
files collected with hashed names)."""

from django.urls import reverse

from crm.testing import pdf_page_size, pdf_span


def test_the_funnel_pdf_is_laid_out_by_its_stylesheet(production_static, history, client_head):
    response = client_head.get(reverse("analytics:funnel_pdf"), {"month": "2025-03"})
    assert response.status_code == 200
    data = response.content
    # funnel.css: A4 landscape and 8.5 pt text (print.css alone: portrait, 9.5 pt).
    assert pdf_page_size(data) == (841.9, 595.3)
    # and the summary cards side by side (print.css alone stacks them one under another).
    created, won = pdf_span(data, "Создано сделок"), pdf_span(data, "Выиграно из созданных")
    assert won.top == created.top and won.x > created.x + 100
