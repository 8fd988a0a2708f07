"""Django admin for applications: read-mostly, for support (writes go through the services)."""

from __future__ import annotations

from django.contrib import admin

from kontaktpflege.applications.models import Application, ApplicationContact, Interview


class ApplicationContactInline(admin.TabularInline):
    model = ApplicationContact
    extra = 0
    raw_id_fields = ("person",)


class InterviewInline(admin.TabularInline):
    model = Interview
    extra = 0
    fields = ("at", "kind", "thanked_at")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("position", "organisation", "stage", "applied_on", "rejected_on", "workspace")
    list_filter = ("stage",)
    search_fields = ("position", "organisation__name")
    raw_id_fields = ("organisation", "workspace")
    inlines = (ApplicationContactInline, InterviewInline)
