"""The default mappings of SPEC 13.2, adapted to Tryton (docs/sync-mapping.md).

"Reset to defaults" deletes every mapping (and so its couplings) and recreates these.
"""

from django.db import transaction

from .models import (
    Direction,
    LocalEntity,
    SyncFieldMapping,
    SyncTableMapping,
    SyncTransformationRule,
    TransformationKind,
)

B, TO, FROM = Direction.BIDIRECTIONAL, Direction.TO_REMOTE, Direction.FROM_REMOTE

ADDRESS = [
    ("address", "street", B),
    ("post_code", "postal_code", B),
    ("city", "city", B),
    ("country", "country", B),
]
COMMUNICATION = [
    ("phone", "phone", B),
    ("email", "email", B),
    ("fax", "fax", B),
    ("home_page", "website", B),
]

# name, entity, remote resource, direction, depends on, remote filter, remote defaults,
# local filter, fields (local, remote, direction[, matching priority])
DEFAULTS = [
    (
        "SALESPERSON",
        LocalEntity.SALESPERSON,
        "company.employee",
        FROM,
        [],
        "",
        {},
        {},
        [("name", "name", FROM, 0), ("email", "email", FROM)],
    ),
    (
        "CURRENCY",
        LocalEntity.CURRENCY,
        "currency.currency",
        TO,
        [],
        "",
        {},
        {},
        [("code", "code", TO, 0), ("description", "name", TO), ("code", "symbol", TO)],
    ),
    (
        "ACCOUNT",
        LocalEntity.COMPANY_CONTACT,
        "party.party",
        B,
        ["SALESPERSON", "CURRENCY"],
        '[["categories.name", "=", "Company"]]',
        {"category": "Company"},
        {"business_relations__link_type__in": ["customer", "vendor"]},
        [("name", "name", B, 0), *ADDRESS, *COMMUNICATION],
    ),
    (
        "CONTACT",
        LocalEntity.PERSON_CONTACT,
        "party.party",
        B,
        ["ACCOUNT"],
        '[["categories.name", "=", "Person"], ["relations.type.name", "=", "Employee of"]]',
        {"category": "Person"},
        {},
        [
            ("name", "name", B, 0),
            *ADDRESS,
            *COMMUNICATION,
            ("mobile_phone", "mobile", B),
            ("company", "parent", B),
        ],
    ),
    (
        "OPPORTUNITY",
        LocalEntity.OPPORTUNITY,
        "sale.opportunity",
        B,
        ["CONTACT"],
        "",
        {},
        {},
        [
            ("description", "description", B),
            ("contact", "party", TO),
            ("salesperson", "employee", TO),
            ("estimated_value", "amount", TO),
            ("estimated_close_date", "end_date", TO),
        ],
    ),
]


@transaction.atomic
def mappings_reset_to_defaults() -> list[SyncTableMapping]:
    SyncTableMapping.objects.all().delete()
    SyncTransformationRule.objects.get_or_create(
        code="TRIM", defaults={"kind": TransformationKind.TRIM, "description": "Trim spaces"}
    )
    created = []
    for order, (
        name,
        entity,
        resource,
        direction,
        depends,
        rfilter,
        rdefaults,
        lfilter,
        fields,
    ) in enumerate(DEFAULTS):
        mapping = SyncTableMapping.objects.create(
            name=name,
            local_entity=entity,
            remote_resource=resource,
            direction=direction,
            depends_on=depends,
            remote_filter=rfilter,
            remote_defaults=rdefaults,
            local_filter=lfilter,
            sort_order=order,
        )
        SyncFieldMapping.objects.bulk_create(
            SyncFieldMapping(
                mapping=mapping,
                local_field=field[0],
                remote_field=field[1],
                direction=field[2],
                use_for_matching=len(field) > 3,
                match_priority=field[3] if len(field) > 3 else 0,
            )
            for field in fields
        )
        created.append(mapping)
    return created
