from django.apps import AppConfig


class ThradConfig(AppConfig):
    name = "thrad"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.core import checks

        from thrad import schema  # noqa: F401 - registers the OpenAPI auth extensions
        from thrad.middleware import check_site_middleware

        checks.register(check_site_middleware)
