from django.urls import path

from creatives import views

urlpatterns = [
    path("v1/ad_account", views.AdAccountGetApi.as_view(), name="ad-account"),
    path("v1/campaigns", views.CampaignListCreateApi.as_view(), name="campaigns"),
    path("v1/campaigns/<str:campaign_id>", views.CampaignGetUpdateApi.as_view(), name="campaign"),
    path(
        "v1/campaigns/<str:campaign_id>/activate",
        views.CampaignActivateApi.as_view(),
        name="campaign-activate",
    ),
    path("v1/campaigns/<str:campaign_id>/pause", views.CampaignPauseApi.as_view(), name="campaign-pause"),
    path("v1/campaigns/<str:campaign_id>/archive", views.CampaignArchiveApi.as_view(), name="campaign-archive"),
    path("v1/ad_groups", views.AdGroupListCreateApi.as_view(), name="ad-groups"),
    path("v1/ad_groups/<str:ad_group_id>", views.AdGroupGetUpdateApi.as_view(), name="ad-group"),
    path(
        "v1/ad_groups/<str:ad_group_id>/activate",
        views.AdGroupActivateApi.as_view(),
        name="ad-group-activate",
    ),
    path("v1/ad_groups/<str:ad_group_id>/pause", views.AdGroupPauseApi.as_view(), name="ad-group-pause"),
    path("v1/ad_groups/<str:ad_group_id>/archive", views.AdGroupArchiveApi.as_view(), name="ad-group-archive"),
    path("v1/ads", views.AdListCreateApi.as_view(), name="ads"),
    path("v1/ads/<str:ad_id>", views.AdGetUpdateApi.as_view(), name="ad"),
    path("v1/ads/<str:ad_id>/activate", views.AdActivateApi.as_view(), name="ad-activate"),
    path("v1/ads/<str:ad_id>/pause", views.AdPauseApi.as_view(), name="ad-pause"),
    path("v1/ads/<str:ad_id>/archive", views.AdArchiveApi.as_view(), name="ad-archive"),
    # Only creative assets are public; the view refuses any other name.
    path("media/creatives/<path:name>", views.creative_asset, name="creative-asset"),
]
