from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from thrad import docs, errors, health

urlpatterns = [
    # Django tries these in order and each miss costs: the DSP's hot paths first, then the APIs.
    path("", include("bids.urls")),
    path("", include("creatives.urls")),
    path("", include("uploads.urls")),
    path("", include("files.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc", docs.RedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/redoc/redoc.standalone.js", docs.redoc_bundle_view, name="api-redoc-bundle"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("dashboard.urls")),
    # Last: any other path under an API prefix is a JSON 404 in its family's shape, in DEBUG too
    # (Django's technical 404 page would answer otherwise). Any method; no CSRF check to fail first.
    re_path(r"^(?:api/)?v1(?:/.*)?$", csrf_exempt(errors.handler404)),
]

handler400 = "thrad.errors.handler400"
handler404 = "thrad.errors.handler404"
handler500 = "thrad.errors.handler500"
