from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaillogConfig(AppConfig):
    name = "maillog"
    verbose_name = _("E-mail logging")
