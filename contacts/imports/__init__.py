"""Contact import: CSV and vCard files with column mapping, and business-system records
(CON-58/59). One module per step; every name stays importable from ``contacts.imports``.

- ``files.py``: an upload checked and stored, read back as header and rows (vCard files
  become a CSV table of import fields at upload), and the mapping guess.
- ``rows.py``: the import fields, row preparation (validation, defaults, a person's company)
  and matching against existing contacts.
- ``inserts.py``: contact numbers in one locked block and the ``COPY`` insert.
- ``csv_import.py``: the dry run, the CSV import job and its batches, the statistics refresh.
- ``business_system.py``: import from business-system records (CON-58, CON-59).

The CSV and vCard exports live in ``contacts.exports`` and are re-exported here for the callers
that import them from this package.

A test that patches a name patches the module that looks it up
(``contacts.imports.files._parse``, ``contacts.imports.inserts._bulk_insert``), not this
package.
"""

from contacts.exports import (
    EXPORT_CHUNK,
    EXPORT_FIELDS,
    contact_vcard,
    contacts_csv_rows,
    contacts_vcard_stream,
)
from contacts.names import name_split  # the one CON-10 split (contacts/names.py), re-exported

from .business_system import (
    BS_COLUMNS,
    BS_IMPORT_BATCH_SIZE,
    BS_JOB_KIND,
    BS_LINK_TYPES,
    business_system_records_read,
    contact_create_from_business_system,
    contact_import_from_business_system_batch,
    contact_import_from_business_system_start,
)
from .csv_import import (
    ANALYZE_SHARE,
    CSV_JOB_KIND,
    IMPORT_BATCH_SIZE,
    MATCH_RULE,
    ImportPreview,
    contact_import_csv_batch,
    contact_import_csv_start,
    contact_import_preview,
    contact_import_statistics_refresh,
)
from .files import (
    IMPORT_MAX_BYTES,
    VCARD_COLUMNS,
    VCARD_SUFFIXES,
    VCARD_TABLE_SUFFIX,
    import_file_read,
    import_file_store,
    mapping_guess,
)
from .inserts import contact_numbers_issue_block
from .rows import (
    ADDRESS_BLOCK,
    CODE_FIELDS,
    COMMUNICATION,
    IMPORT_FIELDS,
    MAX_REPORTED_ERRORS,
    PHONE_RE,
    PreparedRow,
    rows_prepare,
)

__all__ = [
    "ADDRESS_BLOCK",
    "ANALYZE_SHARE",
    "BS_COLUMNS",
    "BS_IMPORT_BATCH_SIZE",
    "BS_JOB_KIND",
    "BS_LINK_TYPES",
    "CODE_FIELDS",
    "COMMUNICATION",
    "CSV_JOB_KIND",
    "EXPORT_CHUNK",
    "EXPORT_FIELDS",
    "IMPORT_BATCH_SIZE",
    "IMPORT_FIELDS",
    "IMPORT_MAX_BYTES",
    "MATCH_RULE",
    "MAX_REPORTED_ERRORS",
    "PHONE_RE",
    "VCARD_COLUMNS",
    "VCARD_SUFFIXES",
    "VCARD_TABLE_SUFFIX",
    "ImportPreview",
    "PreparedRow",
    "business_system_records_read",
    "contact_create_from_business_system",
    "contact_import_csv_batch",
    "contact_import_csv_start",
    "contact_import_from_business_system_batch",
    "contact_import_from_business_system_start",
    "contact_import_preview",
    "contact_import_statistics_refresh",
    "contact_numbers_issue_block",
    "contact_vcard",
    "contacts_csv_rows",
    "contacts_vcard_stream",
    "import_file_read",
    "import_file_store",
    "mapping_guess",
    "name_split",
    "rows_prepare",
]
