from django.urls import path

from creatives import views

urlpatterns = [
    path("v1/ad_account", views.AdAccountGetApi.as_view(), name="ad-account"),
]
