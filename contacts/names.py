"""Person name parts (CON-10, CON-11): the one implementation used by the contact services, the
forms, the CSV and vCard imports and the API."""


def name_split(name: str) -> tuple[str, str, str]:
    """CON-10: "Anna Maria de Vries" → ("Anna Maria", "de", "Vries").

    Splits on any run of whitespace, Unicode included (tabs, no-break spaces U+00A0 and
    U+202F, ideographic spaces), so a name pasted from a word processor or a vCard still gets
    its surname; empty parts are ignored and the first names are re-joined by single spaces.
    """
    parts = (name or "").split()
    if not parts:
        return "", "", ""
    if len(parts) == 1:
        return parts[0], "", ""
    if len(parts) == 2:
        return parts[0], "", parts[1]
    return " ".join(parts[:-2]), parts[-2], parts[-1]


def name_join(first_name: str, middle_name: str, surname: str) -> str:
    """CON-11: the non-empty parts joined by single spaces."""
    return " ".join(p.strip() for p in (first_name, middle_name, surname) if p and p.strip())
