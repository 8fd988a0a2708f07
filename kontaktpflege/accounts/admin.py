"""Django admin for accounts: users, with the approval list of pending sign-ups."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kontaktpflege.accounts import services
from kontaktpflege.accounts.models import User


@admin.register(User)
class KontaktpflegeUserAdmin(UserAdmin):
    """Users; filter "Active: No" lists sign-ups waiting for approval (KP_SIGNUP_APPROVAL)."""

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
