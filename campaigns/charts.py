"""Server-side SVG bar chart of the campaign statistics (no JavaScript chart library).

The view passes the geometry to ``campaigns/partials/statistics_chart.svg.html``; labels are
translated strings, so the chart reads the same in French and English.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .selectors import CampaignStatistics

LABEL_WIDTH = 240  # room for the longest French label at 14 px
BAR_AREA = 240
VALUE_WIDTH = 70
ROW_HEIGHT = 32
BAR_HEIGHT = 20
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    display: str
    y: int
    width: int
    css_class: str

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 5

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


def statistics_bars(stats: CampaignStatistics) -> dict:
    rows = [
        (_("Target contacts contacted"), Decimal(stats.contacted), "bar-contacted"),
        (_("Contacts responded"), Decimal(stats.responded), "bar-responded"),
    ]
    if stats.has_opportunities:
        rows.append((_("Opportunities"), Decimal(stats.opportunities), "bar-opportunities"))
    if not any(value for _label, value, _c in rows):
        rows = []  # nothing to draw: the template says so instead of drawing empty bars
    top = max([value for _label, value, _c in rows] + [Decimal(1)])
    bars = [
        Bar(
            label=label,
            value=value,
            display=number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True),
            y=TOP + i * ROW_HEIGHT,
            width=int(BAR_AREA * value / top),
            css_class=css,
        )
        for i, (label, value, css) in enumerate(rows)
    ]
    return {
        "bars": bars,
        "width": LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
        "height": TOP * 2 + ROW_HEIGHT * len(bars),
        "label_width": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 8,
        "bar_height": BAR_HEIGHT,
        "title": _("Response rate %(rate)s %%")
        % {"rate": number_format(stats.response_rate, decimal_pos=1, use_l10n=True)},
    }
