"""`make run`: create a demo organization, admin user and API key when none exist, and say how to use them."""

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from thrad.models import ApiKey, Membership, Organization
from thrad.services import api_key_create, organization_create

DEMO_ORG = "Demo"
DEMO_USER = "admin"


class Command(BaseCommand):
    help = "Create the demo organization, user and key if missing; print login and a curl example."

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(name=DEMO_ORG).first() or organization_create(
            name=DEMO_ORG, domain="demo.example"
        )
        password = self._ensure_user(org)
        secret = None
        if not ApiKey.objects.usable().filter(organization=org).exists():
            _, secret = api_key_create(org=org, actor_label="make run")
        base = f"http://127.0.0.1:{options.get('port') or '8000'}"
        self.stdout.write(self.style.SUCCESS("Thrad demo is ready."))
        self.stdout.write(f"  Dashboard: {base}/dashboard/  (also /admin/)")
        if password:
            self.stdout.write(f"  Login:     {DEMO_USER} / {password}")
        self.stdout.write(f"  API docs:  {base}/api/docs")
        if secret:
            self.stdout.write("  API key (shown once, keep it):")
            self.stdout.write(f"    {secret}")
            self.stdout.write("  Upload an image:")
            self.stdout.write(
                f"    curl -sS -H 'Authorization: Bearer {secret}' -F file=@static/demo.png {base}/v1/upload"
            )
        else:
            self.stdout.write(
                "  API key: the demo key exists and its secret was shown when it was made. For a new one:\n"
                f"    .venv/bin/python manage.py create_api_key --org {DEMO_ORG}   (rotates; prints the key)"
            )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default="8000")

    def _ensure_user(self, org: Organization) -> str | None:
        """Create the demo superuser once; its password lives in .demo-credentials (mode 600)."""
        User = get_user_model()  # noqa: N806
        creds = Path(settings.BASE_DIR) / ".demo-credentials"
        user = User.objects.filter(username=DEMO_USER).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_superuser(DEMO_USER, "admin@demo.example", password)
            creds.write_text(f"{DEMO_USER}:{password}\n")
            creds.chmod(0o600)
        Membership.objects.get_or_create(user=user, organization=org, defaults={"role": Membership.Role.OWNER})
        if creds.exists():
            return creds.read_text().strip().partition(":")[2]
        return None
