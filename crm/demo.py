from .models import User

DEMO_USERS = [
    # username, password, first, last, role, superuser
    ("manager", "manager", "Анна", "Смирнова", User.Role.MANAGER, False),
    ("manager2", "manager2", "Игорь", "Кузнецов", User.Role.MANAGER, False),
    ("head", "head", "Ольга", "Волкова", User.Role.HEAD, False),
    ("admin", "admin", "Администратор", "", User.Role.HEAD, True),
]


def load(stdout):
    for username, password, first, last, role, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "email": f"{username}@example.ru",
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(password)
            user.save()
            stdout.write(f"Пользователь {username} / {password}")
