"""Decision 0012: the (segment, line_no) index of segment lines is no longer unique; the
integrity check reports a line number used twice. The plain index is built before the unique
one goes, so the lines page never runs without one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0007_segment_integrity_report"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="segmentline",
            index=models.Index(fields=["segment", "line_no"], name="segmentline_line_no_idx"),
        ),
        migrations.RemoveConstraint(
            model_name="segmentline",
            name="segmentline_segment_line_no_unique",
        ),
        migrations.AddField(
            model_name="segmentintegrityreport",
            name="duplicate_line_count",
            field=models.PositiveIntegerField(
                db_default=0, default=0, verbose_name="line numbers used twice"
            ),
        ),
    ]
