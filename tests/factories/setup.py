import factory

from setup.models import (
    BusinessRelation,
    Country,
    Currency,
    Language,
    NumberSeries,
    NumberSeriesLine,
    Salesperson,
    Salutation,
    SalutationFormula,
    Territory,
)


class NumberSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NumberSeries
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"NS{n:04d}")
    description = factory.LazyAttribute(lambda o: f"Series {o.code}")


class NumberSeriesLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NumberSeriesLine

    series = factory.SubFactory(NumberSeriesFactory)
    starting_number = "NO000001"


def series_with_line(code: str, starting_number: str, **line_fields) -> NumberSeries:
    series = NumberSeriesFactory(
        code=code,
        **{
            k: line_fields.pop(k)
            for k in ("manual_numbers", "default_numbers", "date_order")
            if k in line_fields
        },
    )
    NumberSeriesLineFactory(series=series, starting_number=starting_number, **line_fields)
    return series


class SalespersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Salesperson
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"SP{n:03d}")
    name = factory.Faker("name")
    email = factory.LazyAttribute(lambda o: f"{o.code.lower()}@crm.example")
    search_email = factory.LazyAttribute(lambda o: o.email.upper())


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"T{n:03d}")


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"C{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Country {o.code}")


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"L{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Language {o.code}")


class CurrencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Currency
        django_get_or_create = ["code"]

    code = "USD"


class BusinessRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessRelation
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"BR{n:03d}")


class SalutationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Salutation
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"S{n:03d}")


class SalutationFormulaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalutationFormula

    salutation = factory.SubFactory(SalutationFactory)
    salutation_type = "formal"
    formula = "Dear %1 %2 %3,"
    part_1 = "first_name"
    part_2 = "middle_name"
    part_3 = "surname"
