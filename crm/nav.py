"""Top menu entries. Each app adds its own in AppConfig.ready()."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    order: int = 100
    head_only: bool = False


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.url_name] = item


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [
        item
        for item in sorted(_items.values(), key=lambda i: i.order)
        if not item.head_only or user.is_head
    ]
