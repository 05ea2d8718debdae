"""What the deal card's timeline can be narrowed to. Each app writes events with its own
kind code through services.timeline_add; a filter is a set of exact kinds and kind prefixes
(«invoice.» takes every invoice event), so a new kind of an existing family needs no change
here."""

from dataclasses import dataclass

from django.db.models import Q

PAGE_SIZE = 20


@dataclass(frozen=True)
class Filter:
    key: str
    label: str
    kinds: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    def q(self) -> Q:
        condition = Q(kind__in=self.kinds)
        for prefix in self.prefixes:
            condition |= Q(kind__startswith=prefix)
        return condition


FILTERS = {
    f.key: f
    for f in (
        Filter("comments", "Комментарии", kinds=("comment",)),
        Filter("tasks", "Задачи", kinds=("task", "task_changed", "task_done")),
        Filter(
            "documents",
            "Документы",
            kinds=("file",),
            prefixes=("proposal.", "contract.", "questionnaire.", "act.", "file."),
        ),
        Filter(
            "money",
            "Деньги",
            kinds=("budget", "calculation", "payment"),
            prefixes=("invoice.", "payment."),
        ),
        Filter("stages", "Этапы", kinds=("stage", "created")),
        Filter("mail", "Письма", prefixes=("email.",)),
    )
}


def events_for_card(deal, *, show: str = "", offset: int = 0):
    """One page of the deal's timeline, newest first, narrowed to a filter of FILTERS (an
    unknown one shows everything), with the comment each event shows."""
    events = deal.events.select_related("actor", "comment", "comment__deleted_by")
    if show in FILTERS:
        events = events.filter(FILTERS[show].q())
    return events[offset : offset + PAGE_SIZE + 1]
