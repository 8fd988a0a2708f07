"""URLs of the HTML interface; each area keeps its routes in web/views/<area>.py."""

from __future__ import annotations

from django.urls import include, path

urlpatterns: list = [
    path("", include("kontaktpflege.web.views.accounts")),
    path("", include("kontaktpflege.web.views.people")),
    path("", include("kontaktpflege.web.views.network")),
    path("", include("kontaktpflege.web.views.organisations")),
    path("", include("kontaktpflege.web.views.touchpoints")),
    path("", include("kontaktpflege.web.views.today")),
    path("", include("kontaktpflege.web.views.messages")),
    path("", include("kontaktpflege.web.views.dataio")),
    path("", include("kontaktpflege.web.views.conversations")),
    path("", include("kontaktpflege.web.views.activation")),
    path("", include("kontaktpflege.web.views.graph")),
    path("", include("kontaktpflege.web.views.insights")),
    path("", include("kontaktpflege.web.views.applications")),
    path("", include("kontaktpflege.web.views.recruiting")),
    path("", include("kontaktpflege.web.views.rejections")),
    path("", include("kontaktpflege.web.views.pools")),
    path("", include("kontaktpflege.web.views.privacy_public")),
    path("", include("kontaktpflege.web.views.privacy_unsubscribe")),
    path("", include("kontaktpflege.web.views.campaigns")),
    path("", include("kontaktpflege.web.views.privacy")),
    path("", include("kontaktpflege.web.views.privacy_dsr")),
    path("", include("kontaktpflege.web.views.privacy_consent")),
]
