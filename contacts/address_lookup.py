"""SET-31 post code / city lookup for the contact and alternate address forms (reads only).

Choosing a post code fills city, county and country when exactly one PostCode row matches
(several → a pick list); choosing a city fills the post code the same way; changing the country
clears post code and city when the table knows that pair but not for the new country. Unknown
combinations are accepted as typed.
"""

from dataclasses import dataclass, field
from typing import Any

from setup.models import PostCode

PICK_LIST_SIZE = 20


@dataclass
class AddressLookup:
    values: dict[str, Any] | None = None  # field → value to put in the form
    candidates: list[PostCode] = field(default_factory=list)  # several rows → pick list


def post_code_values(row: PostCode) -> dict[str, Any]:
    return {
        "post_code": row.code,
        "city": row.city,
        "county": row.county,
        "country": row.country_id or "",
    }


def _one_or_many(rows, country_id: int | None) -> AddressLookup:
    hits = list(rows.select_related("country")[: PICK_LIST_SIZE + 1])
    if len(hits) > 1 and country_id:
        same_country = [row for row in hits if row.country_id == country_id]
        if len(same_country) == 1:
            hits = same_country
    if len(hits) == 1:
        return AddressLookup(values=post_code_values(hits[0]))
    return AddressLookup(candidates=hits[:PICK_LIST_SIZE])


def address_lookup(
    *, changed: str, post_code: str = "", city: str = "", country_id: int | None = None
) -> AddressLookup:
    """What the form should do after ``changed`` (post_code, city or country) was edited."""
    post_code, city = (post_code or "").strip(), (city or "").strip()
    if changed == "post_code" and post_code:
        return _one_or_many(PostCode.objects.filter(code__iexact=post_code), country_id)
    if changed == "city" and city:
        return _one_or_many(PostCode.objects.filter(city__iexact=city), country_id)
    if changed == "country" and country_id and (post_code or city):
        # A pair the table knows, but not for the new country, is cleared; a pair the table
        # does not know at all was typed on purpose and stays.
        pair = PostCode.objects.filter(code__iexact=post_code, city__iexact=city)
        countries = set(pair.values_list("country_id", flat=True)[:PICK_LIST_SIZE])
        if countries and country_id not in countries:
            return AddressLookup(values={"post_code": "", "city": ""})
    return AddressLookup()


def address_pick(*, pk: int) -> AddressLookup:
    """The pick list's choice."""
    row = PostCode.objects.filter(pk=pk).first()
    return AddressLookup(values=post_code_values(row)) if row else AddressLookup()
