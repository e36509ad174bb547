"""Factories of the segments area."""

import factory

from segments.models import Segment, SegmentLine


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    number = factory.Sequence(lambda n: f"SEG{n:05d}")
    description = factory.Sequence(lambda n: f"Segment {n}")


class SegmentLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SegmentLine

    segment = factory.SubFactory(SegmentFactory)
    line_no = factory.Sequence(lambda n: (n + 1) * 10_000)
    contact = factory.SubFactory("tests.factories.contacts.ContactFactory")
