from django.urls import path

from bids import views

urlpatterns = [
    path("api/v1/dsp/bid", views.BidPlaceApi.as_view(), name="dsp-bid"),
    path("api/v1/dsp/render-ad", views.BidRenderApi.as_view(), name="dsp-render-ad"),
    path("api/v1/dsp/redirect/<str:token>", views.ClickRedirectApi.as_view(), name="dsp-click"),
    path("v1/ad_account/insights", views.AdAccountInsightsApi.as_view(), name="ad-account-insights"),
    path(
        "v1/campaigns/<uuid:campaign_id>/insights",
        views.CampaignInsightsApi.as_view(),
        name="campaign-insights",
    ),
    path(
        "v1/ad_groups/<uuid:ad_group_id>/insights",
        views.AdGroupInsightsApi.as_view(),
        name="ad-group-insights",
    ),
    path("v1/ads/<uuid:ad_id>/insights", views.AdInsightsApi.as_view(), name="ad-insights"),
]
