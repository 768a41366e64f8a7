from django.apps import AppConfig


class BidsConfig(AppConfig):
    name = "bids"
    verbose_name = "DSP: supply partners, bids, clicks and stats"

    def ready(self) -> None:
        from bids import schema, signals  # noqa: F401 - schema registers OpenAPI extensions

        signals.connect()
