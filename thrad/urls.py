from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from thrad import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("thrad.dashboard.urls")),
    path("", include("uploads.urls")),
    path("", include("files.urls")),
    path("", include("creatives.urls")),
    path("", include("bids.urls")),
]

handler400 = "thrad.errors.handler400"
handler404 = "thrad.errors.handler404"
handler500 = "thrad.errors.handler500"
