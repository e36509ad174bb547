"""Run by scripts/tryton.py inside Tryton's own virtualenv after ``trytond-admin``: the company,
currencies and employee that the product's records refer to. Idempotent.

    .data/tryton/venv/bin/python scripts/tryton_setup.py CONFIG DATABASE
"""

import sys
from decimal import Decimal

from trytond import config

config.update_etc(sys.argv[1])

from trytond.pool import Pool  # noqa: E402
from trytond.transaction import Transaction  # noqa: E402

CURRENCIES = [("EUR", "Euro", "€"), ("USD", "US Dollar", "$"), ("GBP", "Pound Sterling", "£")]


def main(database: str) -> None:
    Pool.start()
    pool = Pool(database)
    pool.init()
    with Transaction().start(database, 0, context={}) as transaction:
        Currency = pool.get("currency.currency")
        Party = pool.get("party.party")
        Company = pool.get("company.company")
        Employee = pool.get("company.employee")
        User = pool.get("res.user")
        existing = {c.code for c in Currency.search([])}
        Currency.create(
            [
                {
                    "code": code,
                    "name": name,
                    "symbol": symbol,
                    "rounding": Decimal("0.01"),
                    "digits": 2,
                }
                for code, name, symbol in CURRENCIES
                if code not in existing
            ]
        )
        (eur,) = Currency.search([("code", "=", "EUR")])
        companies = Company.search([])
        if not companies:
            (party,) = Party.create([{"name": "CRM Sync Company"}])
            companies = Company.create([{"party": party.id, "currency": eur.id}])
        company = companies[0]
        (admin,) = User.search([("login", "=", "admin")])
        if not Employee.search([("company", "=", company.id)]):
            (admin_party,) = Party.create([{"name": "Administrator"}])
            Employee.create([{"party": admin_party.id, "company": company.id}])
        employees = Employee.search([("company", "=", company.id)])
        User.write(
            [admin],
            {
                "companies": [("add", [company.id])],
                "company": company.id,
                "employees": [("add", [e.id for e in employees])],
                "employee": employees[0].id,
            },
        )
        RelationType = pool.get("party.relation.type")
        if not RelationType.search([("name", "=", "Employee of")]):
            employee_of, employer_of = RelationType.create(
                [{"name": "Employee of"}, {"name": "Employer of"}]
            )
            RelationType.write([employee_of], {"reverse": employer_of.id})
            RelationType.write([employer_of], {"reverse": employee_of.id})
        # A second user for people editing in Tryton (the sync itself logs in as admin).
        if not User.search([("login", "=", "editor")]):
            Group = pool.get("res.group")
            User.create(
                [
                    {
                        "name": "Editor",
                        "login": "editor",
                        "password": "editor-password",
                        "groups": [("add", [g.id for g in Group.search([])])],
                        "companies": [("add", [company.id])],
                        "company": company.id,
                    }
                ]
            )
        transaction.commit()


if __name__ == "__main__":
    main(sys.argv[2])
