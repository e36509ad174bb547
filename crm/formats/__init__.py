"""One date format per language (``FORMAT_MODULE_PATH``): what Django does not settle.

Django's own locale formats give each language a long ``DATE_FORMAT`` ("Dec. 7, 2026",
"7 décembre 2026") beside the short one the tables use ("12/07/2026", "07/12/2026"), so a
page showed both. Here the plain ``{{ date }}`` is the short form too; ``MONTH_DAY_FORMAT``
labels chart periods ("12/07", "07/12"). Everything else comes from Django's locale files.
"""
