from django.contrib.auth.views import LogoutView
from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("login", views.DashboardLoginView.as_view(), name="login"),
    path("logout", LogoutView.as_view(next_page="dashboard:login"), name="logout"),
    path("", views.OverviewView.as_view(), name="overview"),
    path("organization", views.OrgSwitchView.as_view(), name="org-switch"),
    path("files", views.FileListView.as_view(), name="files"),
    path("files/delete", views.FileDeleteView.as_view(), name="file-delete"),
    path("settings/api-keys", views.ApiKeyListView.as_view(), name="api-keys"),
    path("settings/api-keys/create", views.ApiKeyCreateView.as_view(), name="api-key-create"),
    path("settings/api-keys/rotate", views.ApiKeyRotateView.as_view(), name="api-key-rotate"),
    path("settings/api-keys/new-secret", views.ApiKeySecretView.as_view(), name="api-key-secret"),
    path("settings/api-keys/<str:key_id>/revoke", views.ApiKeyRevokeView.as_view(), name="api-key-revoke"),
    path("settings/security", views.SecuritySettingsView.as_view(), name="security"),
]
