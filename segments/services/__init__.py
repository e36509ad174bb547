"""Every write of the segments area (SPEC 5), one module per seam:

* ``header``: header and lines (SEG-1..9) and the shared helpers;
* ``criteria_actions``: add, reduce, refine, Go back, manual lines, saved criteria;
* ``log``: logging a segment (SEG-40..42);
* ``jobs``: the bulk jobs (criteria, log);
* ``logged``: logged segments (SEG-43);
* ``line_actions``: mailing group, opportunities, tasks, activities (SEG-50/53/54);
* ``integrity``: the scheduled check for orphan lines and history rows (decision 0006).

Every name stays importable from ``segments.services``; a ``mock.patch`` must name the
module that looks the name up (``segments.services.jobs.segment_log``).
"""

from .criteria_actions import (
    criteria_action_sql,
    segment_clear,
    segment_criteria_apply,
    segment_criteria_save,
    segment_go_back,
    segment_line_add,
    segment_line_change_contact,
    segment_line_delete,
)
from .header import (
    ANALYZE_AFTER_ROWS,
    ANALYZE_SHARE,
    BULK_WORK_MEM,
    CRITERIA_JOB_KIND,
    HEADER_FIELDS,
    HEADER_TO_LINE,
    OPTION_FIELDS,
    TEMPLATE_TO_HEADER,
    analyze_if_large_share,
    segment_create,
    segment_delete,
    segment_lines_rederive,
    segment_targets_notify,
    segment_update,
)
from .integrity import (
    INTEGRITY_SAMPLE_SIZE,
    segment_integrity_check,
)
from .jobs import (
    LOG_JOB_KIND,
    segment_criteria_job_failed,
    segment_criteria_job_run,
    segment_criteria_reuse_start,
    segment_criteria_start,
    segment_log_job_run,
    segment_log_start,
    segment_refresh_start,
    segment_reuse_logged_start,
)
from .line_actions import (
    OPPORTUNITIES_JOB_KIND,
    OPPORTUNITY_BATCH_SIZE,
    segment_activity_assign,
    segment_mailing_group_apply,
    segment_opportunities_create,
    segment_opportunities_create_start,
    segment_opportunity_campaign_check,
    segment_tasks_create,
)
from .log import (
    FOLLOW_UP_DESCRIPTION,
    segment_log,
    segment_log_check,
)
from .logged import (
    DELETE_CANCELED_JOB_KIND,
    logged_segment_resend,
    logged_segment_set_canceled,
    logged_segments_delete_canceled,
    logged_segments_delete_canceled_start,
)

__all__ = [
    "ANALYZE_AFTER_ROWS",
    "ANALYZE_SHARE",
    "BULK_WORK_MEM",
    "CRITERIA_JOB_KIND",
    "DELETE_CANCELED_JOB_KIND",
    "FOLLOW_UP_DESCRIPTION",
    "HEADER_FIELDS",
    "HEADER_TO_LINE",
    "INTEGRITY_SAMPLE_SIZE",
    "LOG_JOB_KIND",
    "OPPORTUNITIES_JOB_KIND",
    "OPPORTUNITY_BATCH_SIZE",
    "OPTION_FIELDS",
    "TEMPLATE_TO_HEADER",
    "analyze_if_large_share",
    "criteria_action_sql",
    "logged_segment_resend",
    "logged_segment_set_canceled",
    "logged_segments_delete_canceled",
    "logged_segments_delete_canceled_start",
    "segment_activity_assign",
    "segment_clear",
    "segment_create",
    "segment_criteria_apply",
    "segment_criteria_job_failed",
    "segment_criteria_job_run",
    "segment_criteria_reuse_start",
    "segment_criteria_save",
    "segment_criteria_start",
    "segment_delete",
    "segment_go_back",
    "segment_integrity_check",
    "segment_line_add",
    "segment_line_change_contact",
    "segment_line_delete",
    "segment_lines_rederive",
    "segment_log",
    "segment_log_check",
    "segment_log_job_run",
    "segment_log_start",
    "segment_mailing_group_apply",
    "segment_opportunities_create",
    "segment_opportunities_create_start",
    "segment_opportunity_campaign_check",
    "segment_refresh_start",
    "segment_reuse_logged_start",
    "segment_targets_notify",
    "segment_tasks_create",
    "segment_update",
]
