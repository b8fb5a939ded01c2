"""Field messages and typed-input checks, shared by every panel's controls."""
from __future__ import annotations


def show_msg(el, text: str) -> None:
    """A field's message line: shown with `text`, hidden when empty."""
    el.text(text)
    el.hidden(not text)


def parse_field(text: str, field, msg_el, parse, commit: bool, shown: str):
    """Validate a field's typed `text` with `parse(text) -> (value | None, message)`.

    Invalid text marks the field and returns None (the state must not
    change); on commit the field then shows `shown`, the value in effect.
    """
    value, msg = parse(text if isinstance(text, str) else "")
    show_msg(msg_el, msg)
    if value is None:
        field.attr("aria-invalid", "true")
        if commit:
            field.value(shown)
            field.attr("aria-invalid", None)
        return None
    field.attr("aria-invalid", None)
    return value
