import factory

from campaigns.models import (
    Campaign,
    CampaignEntry,
    CampaignPriceLine,
    CampaignStatus,
    CampaignTargetGroup,
    TargetKind,
)


class CampaignStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignStatus
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{n}-PLAN")
    description = "Planning"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    number = factory.Sequence(lambda n: f"CP{n:05d}")
    description = factory.Sequence(lambda n: f"Campaign {n}")


class CampaignPriceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignPriceLine

    campaign = factory.SubFactory(CampaignFactory)
    item_code = "ITEM-1"
    unit_price = factory.Faker("pydecimal", left_digits=3, right_digits=2, positive=True)


class CampaignEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignEntry

    campaign = factory.SubFactory(CampaignFactory)
    description = factory.Sequence(lambda n: f"Entry {n}")


class CampaignTargetGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignTargetGroup

    campaign = factory.SubFactory(CampaignFactory)
    kind = TargetKind.CONTACT
    number = factory.Sequence(lambda n: f"CT{n:06d}")
