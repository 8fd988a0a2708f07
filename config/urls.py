"""Top-level URL configuration: the HTML interface, the REST API and the admin."""

from django.contrib import admin
from django.urls import include, path

from kontaktpflege.api.urls import api
from kontaktpflege.web.forms.accounts import AdminLoginForm
from kontaktpflege.web.views.health import health, live

# The admin's log-in is throttled like the app's (issue #8).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("health/", health, name="health"),
    path("health/live/", live, name="health_live"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("kontaktpflege.web.urls")),
]

# An unreachable database answers 503 with a short page (or JSON under /api/), not a 500.
handler500 = "kontaktpflege.web.views.health.server_error"
