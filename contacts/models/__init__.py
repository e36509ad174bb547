"""Contacts model layer (SPEC 3.1-3.5, CommentLine 3.2, SalesHistoryLine 9.1, profiles 9.1).

Rules live in ``services.py``; these modules hold fields, constraints and indexes only. Every
name stays importable from ``contacts.models``.
"""

from setup.models import ContactType, CorrespondenceType, LinkType

from .choices import (
    DEFAULT_DUPLICATE_SEARCH_FIELDS,
    DUPLICATE_SEARCH_LENGTH_MAX,
    DUPLICATE_SEARCH_LENGTH_MIN,
    BusinessRelationSummary,
    CommentTargetKind,
    DuplicateField,
    DuplicatePart,
    MasterSide,
    PickupStatus,
    SalesEntryKind,
    SalesHistoryLinkType,
)
from .contact import (
    SEARCH_FIELDS,
    SEARCH_SEPARATOR,
    CommentLine,
    Contact,
    ContactAltAddress,
    ContactAltAddressDateRange,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactWebSource,
    DeletedContactTombstone,
)
from .duplicates import (
    ContactDuplicate,
    ContactDuplicateSearchString,
    ContactMergeLog,
    DuplicateSearchStringSetup,
)
from .profiles import (
    AnswerPriority,
    ClassificationMethod,
    ContactClassField,
    ContactProfileAnswer,
    CustomerClassField,
    ProfileAnswer,
    ProfileQuestion,
    ProfileQuestionnaire,
    QuestionnaireContactType,
    QuestionnairePriority,
    RatingPoint,
    SortingMethod,
    VendorClassField,
)
from .sales_history import (
    SalesHistoryLine,
)

__all__ = [
    "DEFAULT_DUPLICATE_SEARCH_FIELDS",
    "DUPLICATE_SEARCH_LENGTH_MAX",
    "DUPLICATE_SEARCH_LENGTH_MIN",
    "SEARCH_FIELDS",
    "SEARCH_SEPARATOR",
    "AnswerPriority",
    "BusinessRelationSummary",
    "ClassificationMethod",
    "CommentLine",
    "CommentTargetKind",
    "Contact",
    "ContactAltAddress",
    "ContactAltAddressDateRange",
    "ContactBusinessRelation",
    "ContactClassField",
    "ContactDuplicate",
    "ContactDuplicateSearchString",
    "ContactIndustryGroup",
    "ContactJobResponsibility",
    "ContactMailingGroup",
    "ContactMergeLog",
    "ContactProfileAnswer",
    "ContactType",
    "ContactWebSource",
    "CorrespondenceType",
    "CustomerClassField",
    "DeletedContactTombstone",
    "DuplicateField",
    "DuplicatePart",
    "DuplicateSearchStringSetup",
    "LinkType",
    "MasterSide",
    "PickupStatus",
    "ProfileAnswer",
    "ProfileQuestion",
    "ProfileQuestionnaire",
    "QuestionnaireContactType",
    "QuestionnairePriority",
    "RatingPoint",
    "SalesEntryKind",
    "SalesHistoryLine",
    "SalesHistoryLinkType",
    "SortingMethod",
    "VendorClassField",
]
