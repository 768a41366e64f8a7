from django.urls import path

from uploads import files_views
from uploads.views import UploadCreateApi

urlpatterns: list = []

# Advertiser API
urlpatterns += [
    path("v1/upload", UploadCreateApi.as_view(), name="v1-upload"),
]

# Files API
urlpatterns += [
    path("api/v1/upload", files_views.FileUploadApi.as_view(), name="files-upload"),
    path("api/v1/files", files_views.FileListApi.as_view(), name="files-list"),
    path("api/v1/files/<path:key>", files_views.FileDetailApi.as_view(), name="files-detail"),
]
