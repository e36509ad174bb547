"""Demo campaigns (idempotent): statuses, a few bilingual campaigns with price lines."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from .models import Campaign, CampaignPriceLine, CampaignStatus
from .services import campaign_create

STATUSES = [
    ("1-PLAN", "Planning / En préparation"),
    ("2-RUN", "Running / En cours"),
    ("3-DONE", "Done / Terminée"),
]
# description, status, start offset (days), length (days), price lines
CAMPAIGNS = [
    (
        "Salon Maison & Objet",
        "3-DONE",
        -120,
        30,
        [("1000", "Chaise de bureau", Decimal("149.00"), None, 0)],
    ),
    (
        "Spring promotion",
        "2-RUN",
        -10,
        60,
        [
            ("1000", "Office chair", Decimal("139.00"), None, 0),
            ("1000", "Office chair (10+)", Decimal("129.00"), None, 10),
            ("2000", "Desk lamp", None, Decimal(8), 0),
        ],
    ),
    ("Rentrée 2027", "1-PLAN", 60, 45, []),
]


def seed(*, contacts: int, stdout) -> str:
    statuses = {}
    for code, description in STATUSES:
        statuses[code], _created = CampaignStatus.objects.get_or_create(
            code=code, defaults={"description": description}
        )
    today = timezone.localdate()
    created = 0
    lines = []
    for description, status, offset, length, prices in CAMPAIGNS:
        if Campaign.objects.filter(description=description).exists():
            continue
        # Numbers come from the campaign series (CMP-1), so later campaigns do not collide.
        campaign = campaign_create(
            description=description,
            status=statuses[status],
            starting_date=today + dt.timedelta(days=offset),
            ending_date=today + dt.timedelta(days=offset + length),
            salesperson=None,
        )
        created += 1
        lines += [
            CampaignPriceLine(
                campaign=campaign,
                item_code=item,
                description=text,
                unit_price=price,
                line_discount_percent=discount,
                minimum_quantity=minimum,
            )
            for item, text, price, discount, minimum in prices
        ]
    CampaignPriceLine.objects.bulk_create(lines)
    return f"{created} campaigns, {len(lines)} price lines"
