from django.apps import AppConfig


class ThradConfig(AppConfig):
    name = "thrad"
    verbose_name = "Platform"

    def ready(self) -> None:
        from thrad import schema  # noqa: F401 - registers the OpenAPI auth extensions
