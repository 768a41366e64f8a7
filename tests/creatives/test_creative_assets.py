"""Each ad's own copy of its image: made through the storage API, public, independent of the upload.

Runs on local storage by default and on the S3 server when STORAGE_BACKEND=s3.
"""

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from creatives.models import Ad, AdGroup, Campaign
from tests.creatives.conftest import (
    ad_body,
    ad_group_body,
    asset_path_of,
    campaign_body,
    creative,
    fetch,
    png_bytes,
    store_upload,
    stored_assets,
)


def create_ad_with_image(owner, tree, upload):
    body = ad_body(ad_group_id=tree["ad_group"]["id"], creative=creative(file_id=upload.file_id))
    response = owner.client().post("/v1/ads", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_an_ad_gets_its_own_public_copy_of_the_image(owner, tree, anon_client):
    data = png_bytes()
    upload = store_upload(owner.org, data)
    ad = create_ad_with_image(owner, tree, upload)
    stored = Ad.objects.get(public_id=ad["id"]).asset_path
    assert stored == f"creatives/{owner.org.public_id}/{ad['id']}.png"
    assert ad["creative"]["file_id"] == upload.file_id
    assert ad["creative"]["image_url"] == f"{settings.PUBLIC_BASE_URL}/media/{stored}"
    with default_storage.open(stored, "rb") as copy:
        assert copy.read() == data
    response, body = fetch(anon_client, asset_path_of(ad["creative"]["image_url"]))
    assert response.status_code == 200
    assert body == data
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in response["Cache-Control"] and "public" in response["Cache-Control"]


@pytest.mark.parametrize(("fmt", "content_type"), [("jpeg", "image/jpeg"), ("webp", "image/webp")])
def test_jpeg_and_webp_keep_their_type(owner, tree, anon_client, fmt, content_type):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (5, 5), (1, 2, 3)).save(buffer, fmt.upper())
    ad = create_ad_with_image(owner, tree, store_upload(owner.org, buffer.getvalue(), fmt=fmt))
    response, body = fetch(anon_client, asset_path_of(ad["creative"]["image_url"]))
    assert response["Content-Type"] == content_type
    assert body == buffer.getvalue()


def test_deleting_or_replacing_the_upload_does_not_break_the_ad(owner, tree, anon_client):
    original = png_bytes((10, 200, 10))
    upload = store_upload(owner.org, original)
    ad = create_ad_with_image(owner, tree, upload)
    default_storage.delete(upload.file_id)
    default_storage.save(upload.file_id, ContentFile(png_bytes((0, 0, 255))))  # replaced at the same name
    assert fetch(anon_client, asset_path_of(ad["creative"]["image_url"]))[1] == original
    default_storage.delete(upload.file_id)
    upload.delete()
    response, body = fetch(anon_client, asset_path_of(ad["creative"]["image_url"]))
    assert response.status_code == 200 and body == original
    assert owner.client().get(f"/v1/ads/{ad['id']}").json()["creative"]["image_url"] == ad["creative"]["image_url"]


def test_two_ads_with_one_file_get_two_copies(owner, tree):
    upload = store_upload(owner.org)
    first = create_ad_with_image(owner, tree, upload)
    second = create_ad_with_image(owner, tree, upload)
    assert first["creative"]["image_url"] != second["creative"]["image_url"]
    assert len(stored_assets(owner.org)) == 2


def test_a_failed_copy_rolls_back_the_tree_and_deletes_the_copies_already_made(owner):
    good, gone = store_upload(owner.org), store_upload(owner.org)
    default_storage.delete(gone.file_id)  # the row exists, its bytes do not
    body = campaign_body(
        ad_groups=[
            ad_group_body(ads=[ad_body(creative=creative(file_id=good.file_id))]),
            ad_group_body(ads=[ad_body(), ad_body(creative=creative(file_id=gone.file_id))]),
        ]
    )
    response = owner.client().post("/v1/campaigns", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_value"
    assert response.json()["error"]["param"] == "ad_groups[1].ads[1].creative.file_id"
    assert (Campaign.objects.count(), AdGroup.objects.count(), Ad.objects.count()) == (0, 0, 0)
    assert stored_assets(owner.org) == []


def test_another_organizations_file_is_invalid_value_like_a_missing_one(owner, outsider, tree):
    foreign = store_upload(outsider.org)
    body = ad_body(ad_group_id=tree["ad_group"]["id"], creative=creative(file_id=foreign.file_id))
    response = owner.client().post("/v1/ads", body, format="json")
    missing = owner.client().post(
        "/v1/ads",
        ad_body(ad_group_id=tree["ad_group"]["id"], creative=creative(file_id="uploads/2026/06/x.png")),
        format="json",
    )
    assert response.status_code == missing.status_code == 400
    assert response.json() == missing.json()
    assert response.json()["error"]["param"] == "creative.file_id"
    assert stored_assets(owner.org) == [] and stored_assets(outsider.org) == []


@pytest.mark.parametrize(
    "path",
    [
        "/media/creatives/../uploads/2026/06/x.png",
        "/media/creatives/0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00/0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f01.png",
        "/media/creatives/0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00/0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f01.svg",
        "/media/creatives/x.png",
        "/media/uploads/2026/06/x.png",
        "/media/creatives/",
    ],
)
def test_only_existing_creative_assets_are_served(anon_client, path, db):
    response, _ = fetch(anon_client, path)
    assert response.status_code == 404


def test_uploads_are_never_public(owner, anon_client, tree):
    upload = store_upload(owner.org)
    create_ad_with_image(owner, tree, upload)
    assert fetch(anon_client, f"/media/{upload.file_id}")[0].status_code == 404
    name = upload.file_id.rsplit("/", 1)[-1]
    assert fetch(anon_client, f"/media/creatives/{owner.org.public_id}/../../{upload.file_id}")[0].status_code == 404
    assert fetch(anon_client, f"/media/creatives/{owner.org.public_id}/{name}")[0].status_code == 404


def test_the_asset_route_answers_head_and_refuses_post(owner, tree, anon_client):
    ad = create_ad_with_image(owner, tree, store_upload(owner.org))
    path = asset_path_of(ad["creative"]["image_url"])
    head, body = fetch(anon_client, path, "head")
    assert head.status_code == 200 and head["Content-Type"] == "image/png"
    assert body == b""
    assert anon_client.post(path).status_code == 405


def test_the_asset_route_serves_with_debug_off(owner, tree, anon_client, settings):
    settings.DEBUG = False
    ad = create_ad_with_image(owner, tree, store_upload(owner.org))
    assert fetch(anon_client, asset_path_of(ad["creative"]["image_url"]))[0].status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_real_server_with_debug_off_serves_the_asset_to_anyone(owner):
    import requests

    from tests.support import servers

    data = png_bytes((9, 9, 9))
    client = owner.client()
    campaign = client.post("/v1/campaigns", campaign_body(ad_groups=[ad_group_body()]), format="json").json()
    group = client.get(f"/v1/ad_groups?campaign_id={campaign['id']}").json()["data"][0]
    body = ad_body(ad_group_id=group["id"], creative=creative(file_id=store_upload(owner.org, data).file_id))
    ad = client.post("/v1/ads", body, format="json").json()
    with servers.gunicorn(workers=1, env={"DEBUG": "false"}) as base:
        response = requests.get(f"{base}{asset_path_of(ad['creative']['image_url'])}", timeout=30)
        refused = requests.get(f"{base}/media/uploads/2026/06/x.png", timeout=30)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Type"] == "image/png"
    assert refused.status_code == 404
