from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class Role(models.TextChoices):
        MANAGER = "manager", "Менеджер"
        HEAD = "head", "Руководитель отдела продаж"

    role = models.CharField("роль", max_length=16, choices=Role, default=Role.MANAGER)
    phone = models.CharField("телефон", max_length=32, blank=True)
    position = models.CharField("должность", max_length=120, blank=True)

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_head(self) -> bool:
        return self.role == self.Role.HEAD or self.is_superuser


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("создано", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        abstract = True
