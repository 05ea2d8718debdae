from django.db import migrations

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


def create(apps, schema_editor):
    Stage = apps.get_model("deals", "Stage")
    LossReason = apps.get_model("deals", "LossReason")
    if not Stage.objects.exists():
        for order, (name, kind) in enumerate(STAGES, start=1):
            Stage.objects.create(name=name, kind=kind, order=order * 10)
    if not LossReason.objects.exists():
        for order, name in enumerate(REASONS, start=1):
            LossReason.objects.create(name=name, order=order)


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
