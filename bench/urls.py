"""The project's URLs plus the bare baseline views (and any a bench module adds)."""

import importlib
import pkgutil

from django.urls import path

import bench
from bench import bare
from thrad.urls import handler400, handler404, handler500  # noqa: F401
from thrad.urls import urlpatterns as project_urlpatterns

urlpatterns: list = [
    path("bench/bare-multipart", bare.bare_multipart),
    path("bench/bare-json", bare.BareJsonApi.as_view()),
]
for module_info in pkgutil.iter_modules(bench.__path__):
    if module_info.name.startswith("bench_"):
        module = importlib.import_module(f"bench.{module_info.name}")
        urlpatterns += getattr(module, "bare_urlpatterns", [])
urlpatterns += project_urlpatterns
