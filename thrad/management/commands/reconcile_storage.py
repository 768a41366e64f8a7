"""`manage.py reconcile_storage [--grace SECONDS] [--dry-run]`: what the periodic task does, now."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from thrad import reconcile


class Command(BaseCommand):
    help = (
        "Give back quota reserved for files never recorded, delete stored objects no row refers to "
        "(older than the grace), and set each organization's usage to the sum of its stored files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grace", type=int, default=None, help="seconds (default RECONCILE_GRACE)")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")

    def handle(self, *args: Any, grace: int | None, dry_run: bool, **options: Any) -> None:
        report = reconcile.reconcile(grace=grace, dry_run=dry_run)
        for line in report.corrections:
            self.stdout.write(line)
        self.stdout.write(
            f"{'would release' if dry_run else 'released'} {report.reservations_released} reservations "
            f"({report.bytes_released} bytes), {'would delete' if dry_run else 'deleted'} "
            f"{report.objects_deleted} objects ({report.bytes_deleted} bytes), corrected the usage of "
            f"{report.usage_corrected} organizations"
        )
