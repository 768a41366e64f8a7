from django.apps import AppConfig


class ThradConfig(AppConfig):
    name = "thrad"
    verbose_name = "Platform"
