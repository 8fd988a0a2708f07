"""Forms of the import/export pages: upload, column mapping, merge choices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.validation import phone_country_choices
from kontaktpflege.dataio.merge import MERGE_GROUPS
from kontaktpflege.dataio.models import ImportFormat
from kontaktpflege.dataio.services import import_max_bytes, mapping_choices
from kontaktpflege.web.forms.base import StyledForm


class UploadForm(StyledForm):
    """A contacts file and its format (detected when left on automatic)."""

    file = forms.FileField(label=gettext_lazy("File"))
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=ImportFormat.choices, initial="auto"
    )
    phone_country = forms.ChoiceField(
        label=gettext_lazy("Country of phone numbers without a country code"),
        help_text=gettext_lazy(
            "Optional. Without a choice such numbers are kept exactly as written."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["phone_country"]
        field.choices = [("", _("— keep as written —")), *phone_country_choices()]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = import_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; imports take at most %(limit)s MB.")
                % {
                    "size": round(upload.size / 1024 / 1024, 1),
                    "limit": round(limit / 1024 / 1024, 1),
                }
            )
        return upload


class MappingForm(StyledForm):
    """One choice per column: which field it holds."""

    remember = forms.BooleanField(
        label=gettext_lazy("Remember this mapping for files with these columns"),
        required=False,
        initial=True,
    )

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        initial_map: dict[str, str],
        samples: list[list[str]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        choices = mapping_choices()
        # A file without a header has empty names: its columns are numbered, never named
        # after a data row, and shown with their first values.
        self.examples = [
            [row[i][:40] for row in samples or [] if i < len(row) and row[i].strip()]
            for i in range(len(headers[:500]))
        ]
        for index, header in enumerate(headers[:500]):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("Column %(n)d") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=initial_map.get(str(index), ""),
            )
            self.fields[f"col_{index}"].widget.attrs["class"] = "form-select"

    def column_rows(self) -> list[tuple[Any, list[str]]]:
        """Each column's choice with its first values, for the mapping table."""
        return [(self[f"col_{i}"], examples) for i, examples in enumerate(self.examples)]

    def columns(self) -> dict[str, str]:
        return {
            name.removeprefix("col_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("col_") and value
        }


def _display(person: Person, fields: list[str]) -> str:
    values = []
    for name in fields:
        value = getattr(person, name)
        if name.startswith("birthday_"):
            continue
        if hasattr(person, f"get_{name}_display") and value:
            value = getattr(person, f"get_{name}_display")()
        values.append(str(value) if value not in (None, "") else "")
    if fields[0] == "birthday_day" and person.birthday_day and person.birthday_month:
        year = person.birthday_year or "—"
        values = [f"{person.birthday_day:02d}.{person.birthday_month:02d}.{year}"]
    return " · ".join(v for v in values if v)


def _group_label(group: str, fields: list[str]) -> str:
    if group == "employment":
        return _("Organisation and job title")
    if group == "birthday":
        return _("Birthday")
    field: Any = Person._meta.get_field(fields[0])
    return str(field.verbose_name).capitalize()


class MergeForm(StyledForm):
    """Per field group: keep this person's value or take the other's."""

    def __init__(self, *args: Any, keep: Person, remove: Person, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows: list[tuple[str, str, str]] = []
        for group, fields in MERGE_GROUPS.items():
            left, right = _display(keep, fields), _display(remove, fields)
            if not left and not right:
                continue
            initial = "remove" if not left and right else "keep"
            self.fields[group] = forms.ChoiceField(
                choices=[("keep", left or "—"), ("remove", right or "—")],
                widget=forms.RadioSelect,
                required=False,
                initial=initial,
                label=_group_label(group, fields),
            )
            self.fields[group].widget.attrs["class"] = "form-check-input"
            self.rows.append((group, left, right))

    def choices(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v in ("keep", "remove")}
