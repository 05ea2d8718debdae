from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Неверное имя пользователя или пароль.",
        "inactive": "Эта учётная запись отключена.",
    }
