"""Top-level URL configuration: the HTML interface, the REST API and the admin."""

from django.contrib import admin
from django.urls import include, path

from kontaktpflege.api.urls import api
from kontaktpflege.web.forms.accounts import AdminLoginForm

# The admin's log-in is throttled like the app's (issue #8).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("kontaktpflege.web.urls")),
]
