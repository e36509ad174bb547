"""Demo reference data for the setup area (bilingual, idempotent)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from crm.roles import sync_role_permissions

from .models import (
    BusinessRelation,
    Country,
    Currency,
    IndustryGroup,
    JobResponsibility,
    Language,
    MailingGroup,
    MarketingSetup,
    NumberSeries,
    NumberSeriesLine,
    OrganizationalLevel,
    PostCode,
    Salesperson,
    Salutation,
    SalutationFormula,
    Team,
    TeamMember,
    Territory,
    WebSource,
)

SERIES = {
    "CONT": ("Contacts", "CT000001"),
    "CAMP": ("Campaigns", "CP0001"),
    "SEG": ("Segments", "SM00001"),
    "TASK": ("Tasks", "TD000001"),
    "OPP": ("Opportunities", "OP000001"),
    "QUOTE": ("Sales quotes", "SQ000001"),
    "CUST": ("Customers", "C00001"),
    "VEND": ("Vendors", "V00001"),
    "BANK": ("Bank accounts", "B00001"),
    "EMP": ("Employees", "E00001"),
}
CODES = {
    Territory: [
        ("NORTH", "North"),
        ("SOUTH", "South"),
        ("EAST", "East"),
        ("WEST", "West"),
        ("PARIS", "Île-de-France"),
    ],
    Currency: [
        ("EUR", "Euro"),
        ("USD", "US dollar"),
        ("GBP", "Pound sterling"),
        ("CHF", "Franc suisse"),
        ("CAD", "Canadian dollar"),
    ],
    BusinessRelation: [
        ("CUST", "Customer"),
        ("VEND", "Vendor"),
        ("BANK", "Bank"),
        ("EMP", "Employee"),
        ("PROS", "Prospect"),
        ("LAW", "Law firm"),
        ("PRESS", "Press / presse"),
        ("PART", "Partner"),
    ],
    IndustryGroup: [
        ("RETAIL", "Retail / commerce de détail"),
        ("WHOLESALE", "Wholesale"),
        ("MANUF", "Manufacturing / industrie"),
        ("SERVICES", "Services"),
        ("FOOD", "Food & beverage"),
        ("TECH", "Technology"),
        ("HEALTH", "Health"),
    ],
    MailingGroup: [
        ("GIFT", "Christmas gift / cadeau"),
        ("NEWS", "Newsletter"),
        ("EVENT", "Event invitations"),
        ("VIP", "VIP customers"),
    ],
    JobResponsibility: [
        ("PURCHASE", "Purchasing / achats"),
        ("SALES", "Sales / ventes"),
        ("IT", "IT"),
        ("MGMT", "Management / direction"),
        ("MARKETING", "Marketing"),
        ("FINANCE", "Finance"),
    ],
    OrganizationalLevel: [
        ("CEO", "Chief executive"),
        ("MANAGER", "Manager / responsable"),
        ("STAFF", "Staff / employé"),
        ("BOARD", "Board member"),
    ],
}
COUNTRIES = [
    ("FR", "France", "post_code_city"),
    ("BE", "Belgique / België", "post_code_city"),
    ("CH", "Suisse / Schweiz", "post_code_city"),
    ("CA", "Canada", "city_post_code"),
    ("GB", "United Kingdom", "city_post_code"),
    ("US", "United States", "city_post_code"),
    ("DE", "Deutschland", "post_code_city"),
]
POST_CODES = [
    ("75002", "Paris", "FR", ""),
    ("69002", "Lyon", "FR", "Rhône"),
    ("13001", "Marseille", "FR", "Bouches-du-Rhône"),
    ("33000", "Bordeaux", "FR", "Gironde"),
    ("31000", "Toulouse", "FR", "Haute-Garonne"),
    ("59000", "Lille", "FR", "Nord"),
    ("1000", "Bruxelles", "BE", ""),
    ("1204", "Genève", "CH", ""),
    ("H2X 1Y4", "Montréal", "CA", "QC"),
    ("EC1A 1BB", "London", "GB", ""),
    ("10001", "New York", "US", "NY"),
    ("10115", "Berlin", "DE", ""),
]
SALESPEOPLE = [
    ("AH", "Annette Hill", "Sales manager"),
    ("JO", "Jim Olive", "Account manager"),
    ("CL", "Camille Laurent", "Chargée de clientèle"),
    ("MD", "Marc Dubois", "Commercial"),
    ("PS", "Priya Shah", "Key account manager"),
    ("LB", "Léa Bernard", "Marketing"),
]
USERS = [
    ("admin", "admin-demo", "Administrators", True, "AH"),
    ("sales", "sales-demo", "Sales", False, "JO"),
    ("marketing", "marketing-demo", "Marketing", False, "LB"),
]


def seed(*, contacts: int, stdout) -> str:
    for code, (description, start) in SERIES.items():
        series, _created = NumberSeries.objects.get_or_create(
            code=code, defaults={"description": description, "manual_numbers": code == "CONT"}
        )
        NumberSeriesLine.objects.get_or_create(
            series=series, starting_date=None, defaults={"starting_number": start}
        )
    for model, rows in CODES.items():
        for code, description in rows:
            model.objects.get_or_create(code=code, defaults={"description": description})
    WebSource.objects.get_or_create(
        code="SOCIETE",
        defaults={
            "description": "Annuaire des entreprises",
            "url": "https://annuaire-entreprises.data.gouv.fr/rechercher?terme=%1",
        },
    )
    WebSource.objects.get_or_create(
        code="WIKI",
        defaults={
            "description": "Wikipedia",
            "url": "https://en.wikipedia.org/wiki/Special:Search?search=%1",
        },
    )
    countries = {}
    for code, name, fmt in COUNTRIES:
        countries[code], _created = Country.objects.get_or_create(
            code=code, defaults={"name": name, "address_format": fmt}
        )
    for code, city, country, county in POST_CODES:
        PostCode.objects.get_or_create(
            code=code, city=city, defaults={"country": countries[country], "county": county}
        )
    english, _created = Language.objects.get_or_create(code="ENU", defaults={"name": "English"})
    french, _created = Language.objects.get_or_create(code="FRA", defaults={"name": "Français"})
    company, _created = Salutation.objects.get_or_create(
        code="COMPANY", defaults={"description": "Company / société"}
    )
    person, _created = Salutation.objects.get_or_create(
        code="PERSON", defaults={"description": "Person / personne"}
    )
    formulas = [
        (company, english, "formal", "Dear Sirs,", ["", "", ""]),
        (company, english, "informal", "Hello,", ["", "", ""]),
        (company, french, "formal", "Madame, Monsieur,", ["", "", ""]),
        (company, french, "informal", "Bonjour,", ["", "", ""]),
        (person, english, "formal", "Dear %1 %2 %3,", ["first_name", "middle_name", "surname"]),
        (person, english, "informal", "Hi %1,", ["first_name", "", ""]),
        (person, french, "formal", "Madame, Monsieur %1,", ["surname", "", ""]),
        (person, french, "informal", "Bonjour %1,", ["first_name", "", ""]),
    ]
    for salutation, language, kind, text, parts in formulas:
        SalutationFormula.objects.get_or_create(
            salutation=salutation,
            language=language,
            salutation_type=kind,
            defaults={"formula": text, "part_1": parts[0], "part_2": parts[1], "part_3": parts[2]},
        )
    people = {}
    for code, name, title in SALESPEOPLE:
        email = f"{code.lower()}@crm-demo.example"
        people[code], _created = Salesperson.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "job_title": title,
                "email": email,
                "search_email": email.upper(),
            },
        )
    team, _created = Team.objects.get_or_create(code="KEYACC", defaults={"name": "Key accounts"})
    for code in ("AH", "PS", "JO"):
        TeamMember.objects.get_or_create(team=team, salesperson=people[code])
    Team.objects.get_or_create(code="FIELD", defaults={"name": "Field sales / terrain"})

    sync_role_permissions()
    user_model = get_user_model()
    for username, password, group, staff, salesperson_code in USERS:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": staff, "first_name": username.title()}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=group))
        salesperson = people[salesperson_code]
        if salesperson.user_id is None and not Salesperson.objects.filter(user=user).exists():
            salesperson.user = user
            salesperson.save(update_fields=["user"])

    setup = MarketingSetup.load()
    series = {code: NumberSeries.objects.get(code=code) for code in SERIES}
    defaults = {
        "contact_series": series["CONT"],
        "campaign_series": series["CAMP"],
        "segment_series": series["SEG"],
        "task_series": series["TASK"],
        "opportunity_series": series["OPP"],
        "sales_quote_series": series["QUOTE"],
        "customer_series": series["CUST"],
        "vendor_series": series["VEND"],
        "bank_account_series": series["BANK"],
        "employee_series": series["EMP"],
        "customer_relation": BusinessRelation.objects.get(code="CUST"),
        "vendor_relation": BusinessRelation.objects.get(code="VEND"),
        "bank_account_relation": BusinessRelation.objects.get(code="BANK"),
        "employee_relation": BusinessRelation.objects.get(code="EMP"),
        "default_country": countries["FR"],
        "default_language": french,
        "default_company_salutation": company,
        "default_person_salutation": person,
        "default_salesperson": people["AH"],
        "default_territory": Territory.objects.get(code="PARIS"),
    }
    changed = [name for name, value in defaults.items() if getattr(setup, f"{name}_id") is None]
    for name in changed:
        setattr(setup, name, defaults[name])
    if changed:
        setup.save(update_fields=[*changed, "updated_at"])
    return f"{len(SERIES)} number series, {len(SALESPEOPLE)} salespeople, {len(USERS)} users"
