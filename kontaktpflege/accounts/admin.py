"""Django admin for accounts: users, with the approval list of pending sign-ups."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kontaktpflege.accounts import services
from kontaktpflege.accounts.models import User


class UserNamesForm(UserChangeForm):
    """The admin's user form: names follow the sign-up rule (one line, at most 100 chars)."""

    def clean_first_name(self) -> str:
        services.validate_user_name(self.cleaned_data["first_name"])
        return self.cleaned_data["first_name"]

    def clean_last_name(self) -> str:
        services.validate_user_name(self.cleaned_data["last_name"])
        return self.cleaned_data["last_name"]


@admin.register(User)
class KontaktpflegeUserAdmin(UserAdmin):
    """Users; filter "Active: No" lists sign-ups waiting for approval (KP_SIGNUP_APPROVAL)."""

    form = UserNamesForm
    list_display = ("username", "email", "first_name", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    actions = ["approve"]

    @admin.action(description=_("Approve the selected sign-ups"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        approved = sum(services.user_approve(user=user) for user in queryset)
        self.message_user(
            request,
            ngettext("%(count)d account approved.", "%(count)d accounts approved.", approved)
            % {"count": approved},
            messages.SUCCESS,
        )
