from django.contrib import admin

from kontaktpflege.privacy.models import AuditEvent, ConsentRecord, PrivacyNotice, PrivacySettings


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only rows: the admin shows them and changes nothing."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "workspace", "person", "purpose", "kind", "source", "channel")
    list_filter = ("purpose", "kind", "source")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("workspace", "seq", "created_at", "action", "subject_type", "subject_id")
    list_filter = ("action",)


admin.site.register(PrivacySettings)
admin.site.register(PrivacyNotice)
