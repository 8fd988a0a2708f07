from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "kontaktpflege.dataio"
    label = "dataio"

    def ready(self) -> None:
        from kontaktpflege.dataio.selectors import person_merges_for_export
        from kontaktpflege.privacy.dsr import register_export_section

        # A merge keeps the removed record's data in its snapshot: it belongs to the export.
        register_export_section("merges", person_merges_for_export)
