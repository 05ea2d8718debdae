"""A draft proposal or contract has no number until it is fixed (a draft of a later version
has the number of the first); a fixed one is annulled instead of deleted, with who and why;
a deal is deleted with its drafts but not while it has a fixed document."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import crm.numbering


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0006_masked_copies"),
        ("deals", "0003_stage_automation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="annulled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="аннулирован"),
        ),
        migrations.AddField(
            model_name="proposal",
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
            model_name="proposal",
            name="annul_reason",
            field=models.CharField(
                blank=True, max_length=500, verbose_name="причина аннулирования"
            ),
        ),
        migrations.AlterField(
            model_name="proposal",
            name="year",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="год"),
        ),
        migrations.AlterField(
            model_name="proposal",
            name="sequence",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="номер за год"),
        ),
        migrations.AlterField(
            model_name="proposal",
            name="deal",
            field=models.ForeignKey(
                on_delete=crm.numbering.protect_fixed,
                related_name="%(class)ss",
                to="deals.deal",
                verbose_name="сделка",
            ),
        ),
        migrations.AlterField(
            model_name="proposal",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Черновик"),
                    ("sent", "Отправлено"),
                    ("accepted", "Принято клиентом"),
                    ("declined", "Отклонено клиентом"),
                    ("annulled", "Аннулировано"),
                ],
                db_index=True,
                default="draft",
                max_length=16,
                verbose_name="статус",
            ),
        ),
        migrations.AddField(
            model_name="contract",
            name="annulled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="аннулирован"),
        ),
        migrations.AddField(
            model_name="contract",
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
            model_name="contract",
            name="annul_reason",
            field=models.CharField(
                blank=True, max_length=500, verbose_name="причина аннулирования"
            ),
        ),
        migrations.AlterField(
            model_name="contract",
            name="year",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="год"),
        ),
        migrations.AlterField(
            model_name="contract",
            name="sequence",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="номер за год"),
        ),
        migrations.AlterField(
            model_name="contract",
            name="deal",
            field=models.ForeignKey(
                on_delete=crm.numbering.protect_fixed,
                related_name="%(class)ss",
                to="deals.deal",
                verbose_name="сделка",
            ),
        ),
        migrations.AlterField(
            model_name="contract",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Черновик"),
                    ("sent", "Отправлен"),
                    ("accepted", "Принят клиентом"),
                    ("annulled", "Аннулирован"),
                ],
                db_index=True,
                default="draft",
                max_length=16,
                verbose_name="статус",
            ),
        ),
    ]
