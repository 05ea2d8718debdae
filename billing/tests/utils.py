"""Helpers for the calculator tests."""


def calc_post(
    lines, *, title="", discount="0", discount_kind="percent", make_current=True, extra_blank=0
):
    """The calculator form as a browser posts it: lines are dicts of the row's fields."""
    data = {
        "title": title,
        "discount": discount,
        "discount_kind": discount_kind,
        "lines-TOTAL_FORMS": str(len(lines) + extra_blank),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }
    if make_current:
        data["make_current"] = "on"
    defaults = {
        "catalog_item": "",
        "name": "",
        "quantity": "1",
        "unit_code": "796",
        "price": "",
        "discount": "0",
        "discount_kind": "percent",
        "vat_rate": "",
    }
    for i, line in enumerate(lines + [{}] * extra_blank):
        row = {**defaults, **line}
        for key, value in row.items():
            if key == "DELETE":
                if value:
                    data[f"lines-{i}-DELETE"] = "on"
                continue
            data[f"lines-{i}-{key}"] = value
    return data
