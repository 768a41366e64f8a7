from django.urls import path

from uploads.views import UploadCreateApi

urlpatterns = [
    path("v1/upload", UploadCreateApi.as_view(), name="v1-upload"),
]
