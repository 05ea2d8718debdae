"""The pipeline a fresh install starts with; editable in the admin afterwards."""

STAGES = [
    ("Новая заявка", "open"),
    ("Квалификация", "open"),
    ("Бриф", "open"),
    ("Расчёт и КП", "open"),
    ("Договор", "open"),
    ("Счёт выставлен", "open"),
    ("Оплачено", "won"),
    ("Проиграна", "lost"),
]
REASONS = [
    "Дорого",
    "Выбрали конкурента",
    "Нет бюджета",
    "Не выходит на связь",
    "Задача неактуальна",
    "Спам или ошибочная заявка",
]


def ensure_pipeline(stage_model, reason_model) -> None:
    """Create the default stages and loss reasons where there are none (idempotent)."""
    if not stage_model.objects.exists():
        for order, (name, kind) in enumerate(STAGES, start=1):
            stage_model.objects.create(name=name, kind=kind, order=order * 10)
    if not reason_model.objects.exists():
        for order, name in enumerate(REASONS, start=1):
            reason_model.objects.create(name=name, order=order)
