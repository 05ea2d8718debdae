"""A draft invoice has no number (nor, until it is issued, necessarily a date); an issued one
is annulled instead of cancelled, with who and why; a deal is deleted with its drafts but
not while it has an issued invoice."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import crm.numbering


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_tax_regime_and_receipts"),
        ("deals", "0003_stage_automation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="invoice", old_name="cancelled_at", new_name="annulled_at"),
        migrations.AlterField(
            model_name="invoice",
            name="annulled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="аннулирован"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="annulled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="аннулировал",
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="annul_reason",
            field=models.CharField(
                blank=True, max_length=500, verbose_name="причина аннулирования"
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="date",
            field=models.DateField(
                blank=True,
                help_text="Пусто у черновика — день выставления.",
                null=True,
                verbose_name="дата",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="due_date",
            field=models.DateField(blank=True, null=True, verbose_name="оплатить до"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="number",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="номер"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="year",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="год"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="deal",
            field=models.ForeignKey(
                on_delete=crm.numbering.protect_fixed,
                related_name="invoices",
                to="deals.deal",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Черновик"),
                    ("sent", "Выставлен"),
                    ("partly_paid", "Оплачен частично"),
                    ("paid", "Оплачен"),
                    ("annulled", "Аннулирован"),
                ],
                db_index=True,
                default="draft",
                max_length=12,
                verbose_name="статус",
            ),
        ),
    ]
