"""DRF's own failures and unexpected exceptions render the /v1 error object."""

import pytest
from django.urls import path

from thrad.api import V1Api
from thrad.urls import urlpatterns as real_urlpatterns


class BoomApi(V1Api):
    def get(self, request):
        raise RuntimeError("secret internals")


urlpatterns = [path("v1/boom", BoomApi.as_view()), *real_urlpatterns]


def test_an_unknown_v1_path_is_the_not_found_error_object(owner):
    response = owner.client().get("/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found_error"
    assert response.json()["error"]["code"] == "not_found"


def test_a_wrong_method_is_405_in_the_error_shape(owner):
    response = owner.client().delete("/v1/ad_account")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.urls("tests.thrad.test_errors")
def test_an_unexpected_exception_is_500_api_error_without_internals(owner, caplog):
    response = owner.client().get("/v1/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "message": "An unexpected error occurred.",
            "type": "api_error",
            "param": None,
            "code": "internal_error",
        }
    }
    assert "secret internals" not in response.content.decode()
    assert any("unhandled error" in r.message for r in caplog.records)


def test_an_unknown_dsp_path_answers_in_the_dsp_shape(anon_client):
    response = anon_client.get("/api/v1/dsp/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "No such object."}
