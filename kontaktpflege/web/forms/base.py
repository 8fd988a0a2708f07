"""Form helpers: Bootstrap classes and mapping service ValidationErrors onto fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from kontaktpflege.contacts.validation import validate_date_range
from kontaktpflege.core.timeutils import EARLIEST_DATE, LATEST_DATE


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap classes and whose dates lie in 1900–2200."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                _bound_dates(field)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ValidationError on the matching fields (or the form)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = field if field in self.fields else None
                for error in errors:
                    self.add_error(target, error)
        else:
            for message in exc.messages:
                self.add_error(None, message)


def _bound_dates(field: forms.DateField | forms.DateTimeField) -> None:
    """Refuse dates outside the stored range; date pickers offer only that range."""
    field.validators.append(validate_date_range)
    if isinstance(field, forms.DateTimeField):
        low, high = f"{EARLIEST_DATE.isoformat()}T00:00", f"{LATEST_DATE.isoformat()}T23:59"
    else:
        low, high = EARLIEST_DATE.isoformat(), LATEST_DATE.isoformat()
    field.widget.attrs.setdefault("min", low)
    field.widget.attrs.setdefault("max", high)
