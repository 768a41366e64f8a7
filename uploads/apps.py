from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "uploads"

    def ready(self) -> None:
        from uploads import reconcile

        reconcile.register()  # its stored names, for thrad/reconcile.py
