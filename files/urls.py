from django.urls import path

from files import views

urlpatterns = [
    path("api/v1/upload", views.FileUploadApi.as_view(), name="files-upload"),
    path("api/v1/files", views.FileListApi.as_view(), name="files-list"),
    path("api/v1/files/<path:key>", views.FileDetailApi.as_view(), name="files-detail"),
]
