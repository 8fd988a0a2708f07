from types import SimpleNamespace

import pytest

from kontaktpflege.messaging.salutation import salutation


def person(first="", last="", gender="", title="", form="sie"):
    return SimpleNamespace(
        first_name=first, last_name=last, gender=gender, academic_title=title, form_of_address=form
    )


@pytest.mark.parametrize(
    ("p", "variant", "expected"),
    [
        (person("Julia", "Weber", "f", "Dr."), "de_sie", "Sehr geehrte Frau Dr. Weber"),
        (person("Thomas", "Schmidt", "m"), "de_sie", "Sehr geehrter Herr Schmidt"),
        (person("Julia", "Weber", "f", form="du"), "de_du", "Liebe Julia"),
        (person("Thomas", "Schmidt", "m", form="du"), "de_du", "Lieber Thomas"),
        (person("Kim", "Meyer", ""), "de_sie", "Guten Tag Kim Meyer"),
        (person("Kim", "Meyer", "x"), "de_sie", "Guten Tag Kim Meyer"),
        (person("Kim", "Meyer", "x", form="du"), "de_du", "Hallo Kim"),
        (
            person("Hans", "Berg", "m", "Prof. Dr.-Ing."),
            "de_sie",
            "Sehr geehrter Herr Prof. Dr. Berg",
        ),
        (person("Eva", "Roth", "f", "Dr. med."), "de_sie", "Sehr geehrte Frau Dr. Roth"),
        (person("Eva", "Roth", "f", "Dipl.-Ing."), "de_sie", "Sehr geehrte Frau Roth"),
        (person("Julia", "Weber", "f", "Dr."), "en", "Dear Dr Weber"),
        (person("Julia", "Weber", "f"), "en", "Dear Ms Weber"),
        (person("Tom", "Hardy", "m"), "en", "Dear Mr Hardy"),
        (person("Kim", "Meyer", ""), "en", "Dear Kim Meyer"),
        (person("Julia", "Weber", "f", form="du"), "en", "Hi Julia"),
        (person("Hans", "Berg", "m", "Prof. Dr."), "en", "Dear Professor Berg"),
    ],
)
def test_it_greets_people_correctly(p, variant, expected):
    assert salutation(p, variant) == expected


@pytest.mark.parametrize("first", ["Andrea", "Maria", "Kim", "Jan", "Julia"])
def test_it_never_guesses_gender_from_the_first_name(first):
    assert salutation(person(first, "Meyer"), "de_sie") == f"Guten Tag {first} Meyer"
    assert salutation(person(first, "Meyer", form="du"), "de_du") == f"Hallo {first}"


def test_it_falls_back_when_the_last_name_is_missing():
    assert salutation(person("Julia", "", "f"), "de_sie") == "Guten Tag Julia"
    assert salutation(person("", "", ""), "en") == "Hello"
