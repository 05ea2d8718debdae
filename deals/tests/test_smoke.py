from django.urls import reverse


def test_deal_card_opens_for_its_manager(client_a, deal_a):
    response = client_a.get(reverse("deals:detail", args=[deal_a.pk]))
    assert response.status_code == 200
    assert "Сайт для стоматологии" in response.text
