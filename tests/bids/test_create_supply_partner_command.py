"""`manage.py create_supply_partner NAME` prints the key as the last stdout line, nowhere else."""

import io

import pytest
from django.core.management import CommandError, call_command

from bids.models import SupplyPartner
from bids.selectors import partner_authenticate


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_supply_partner", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_creates_the_partner_and_prints_a_working_key_last():
    out, err = run("Conversational SSP")
    key = out.strip().splitlines()[-1]
    assert key.startswith("sp_")
    assert key not in err
    partner = SupplyPartner.objects.get(name="Conversational SSP")
    assert key not in (partner.digest, partner.prefix)
    assert partner_authenticate(secret=key) == partner


@pytest.mark.django_db
def test_a_duplicate_name_is_refused():
    run("SSP")
    with pytest.raises(CommandError, match="exists"):
        run("SSP")
    assert SupplyPartner.objects.count() == 1
