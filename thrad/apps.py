from django.apps import AppConfig


class ThradConfig(AppConfig):
    name = "thrad"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.core import checks

        from thrad import schema  # noqa: F401 - registers the OpenAPI auth extensions
        from thrad.middleware import check_site_middleware

        checks.register(check_site_middleware)

        from django.db.models.signals import post_delete, post_save

        from thrad import keycache
        from thrad.models import ApiKey, Organization

        for model in (ApiKey, Organization):
            post_save.connect(keycache.on_save, sender=model, dispatch_uid=f"keycache-save-{model.__name__}")
            post_delete.connect(keycache.on_delete, sender=model, dispatch_uid=f"keycache-delete-{model.__name__}")
