"""``contacts.imports`` is a package of one module per step; every name callers imported from
the former single module stays importable from the package."""

import contacts.exports
import contacts.imports

# Every public name of the former contacts/imports.py.
FORMER_PUBLIC_NAMES = [
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
EXPORT_NAMES = [
    "EXPORT_CHUNK",
    "EXPORT_FIELDS",
    "contact_vcard",
    "contacts_csv_rows",
    "contacts_vcard_stream",
]


def test_every_former_name_is_exported_by_the_package():
    # given the package
    # when its exported names are listed
    exported = set(contacts.imports.__all__)
    # then every former name is there and resolves
    assert sorted(set(FORMER_PUBLIC_NAMES) - exported) == []
    for name in FORMER_PUBLIC_NAMES:
        assert getattr(contacts.imports, name) is not None


def test_exports_are_the_objects_of_contacts_exports():
    # given the export names kept in contacts.imports for compatibility
    # then each is the object defined in contacts.exports, not a copy
    for name in EXPORT_NAMES:
        assert getattr(contacts.imports, name) is getattr(contacts.exports, name)
