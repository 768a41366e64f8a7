import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from thrad.models import ApiKey, Organization


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_creates_the_org_and_prints_the_secret_as_the_last_stdout_line():
    out, err = run("--org", "Initech", "--create-org", "--domain", "initech.example")
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("ak_")
    assert secret not in err
    assert Organization.objects.get(name="Initech").domain == "initech.example"
    assert APIClient().get("/v1/ad_account", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


@pytest.mark.django_db
def test_with_an_active_key_it_rotates_and_the_old_key_stays_in_grace():
    first = run("--org", "Initech", "--create-org")[0].strip().splitlines()[-1]
    second = run("--org", "Initech")[0].strip().splitlines()[-1]
    assert first != second
    statuses = sorted(ApiKey.objects.values_list("status", flat=True))
    assert statuses == ["active", "grace"]


@pytest.mark.django_db
def test_an_unknown_org_without_create_org_fails_clearly():
    with pytest.raises(CommandError, match="No organization"):
        run("--org", "Nobody")
