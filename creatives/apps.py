from django.apps import AppConfig


class CreativesConfig(AppConfig):
    name = "creatives"

    def ready(self) -> None:
        from creatives import reconcile

        reconcile.register()  # its asset copies, for thrad/reconcile.py
