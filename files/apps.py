from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "files"
    verbose_name = "Files API"

    def ready(self) -> None:
        from files import reconcile

        reconcile.register()  # its stored keys and quota usage, for thrad/reconcile.py
