"""The pure rules: facts in, due items out; reasons in English and German."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from kontaktpflege.followups import engine
from kontaktpflege.followups.engine import (
    ApplicationFacts,
    ConversationFacts,
    InterviewFacts,
    OccasionFact,
    PersonFacts,
)
from kontaktpflege.followups.reasons import reason

BERLIN = ZoneInfo("Europe/Berlin")
ZURICH = ZoneInfo("Europe/Zurich")
RULES = engine.DEFAULT_RULES
TODAY = dt.date(2025, 6, 2)


def at(*args: int, zone: ZoneInfo = BERLIN) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def facts(**kw) -> PersonFacts:
    base = {
        "person_id": 7,
        "name": "Thomas",
        "circle": "active",
        "interval_days": 90,
        "created_at": at(2025, 1, 1, 9),
        "zone": BERLIN,
    }
    return PersonFacts(**{**base, **kw})


def only(items, rule):
    found = [i for i in items if i.rule == rule]
    assert len(found) == 1, found
    return found[0]


def none_of(items, rule):
    return not [i for i in items if i.rule == rule]


def text(item, today, lang):
    return reason(item.rule, item.params, today, lang)


class TestKeepInTouch:
    def test_it_is_due_one_interval_after_the_last_touchpoint(self):
        f = facts(last_touch_at=at(2025, 3, 1, 10), touch_count=3)
        item = only(engine.person_items(f, RULES, TODAY), "keep_in_touch")
        assert item.due_on == dt.date(2025, 5, 30)
        assert item.key == "keep_in_touch:7:2025-03-01"

    def test_its_reason_matches_the_example_sentence_in_german(self):
        f = facts(last_touch_at=at(2025, 3, 1, 10), touch_count=3)
        item = only(engine.person_items(f, RULES, TODAY), "keep_in_touch")
        today = dt.date(2025, 6, 3)
        assert text(item, today, "de") == (
            "Letzter Kontakt mit Thomas vor 94 Tagen (Kreis: aktiv, alle 90 Tage)"
        )
        assert text(item, today, "en") == (
            "Last contact with Thomas 94 days ago (circle: active, every 90 days)"
        )

    def test_it_resets_on_any_touchpoint_because_the_anchor_moves(self):
        before = only(
            engine.person_items(facts(last_touch_at=at(2025, 3, 1, 10)), RULES, TODAY),
            "keep_in_touch",
        )
        after = only(
            engine.person_items(facts(last_touch_at=at(2025, 6, 1, 10)), RULES, TODAY),
            "keep_in_touch",
        )
        assert before.key != after.key
        assert after.due_on == dt.date(2025, 8, 30)

    @pytest.mark.parametrize("circle,days", [("core", 30), ("active", 90), ("network", 180)])
    def test_the_circle_sets_the_interval(self, circle, days):
        f = facts(
            circle=circle,
            interval_days=engine.circle_days_for(None)[circle],
            last_touch_at=at(2025, 1, 1, 12),
        )
        item = only(engine.person_items(f, RULES, TODAY), "keep_in_touch")
        assert item.due_on == dt.date(2025, 1, 1) + dt.timedelta(days=days)

    def test_a_person_never_touched_counts_from_when_they_were_added(self):
        f = facts(circle="network", interval_days=180)
        item = only(engine.person_items(f, RULES, TODAY), "keep_in_touch")
        assert item.due_on == dt.date(2025, 6, 30)
        assert "added 5 months ago" in text(item, TODAY, "en")
        assert "vor 5 Monaten hinzugefügt" in text(item, TODAY, "de")

    def test_a_late_evening_touch_counts_on_the_local_day_across_the_dst_change(self):
        # 30 March 2025, 00:30 in Berlin is still 29 March in UTC (clocks jump that night).
        f = facts(last_touch_at=dt.datetime(2025, 3, 29, 23, 30, tzinfo=dt.UTC), interval_days=30)
        item = only(engine.person_items(f, RULES, TODAY), "keep_in_touch")
        assert item.key.endswith("2025-03-30")
        assert item.due_on == dt.date(2025, 4, 29)

    def test_zurich_and_berlin_agree_on_the_autumn_change(self):
        moment = dt.datetime(2025, 10, 25, 22, 30, tzinfo=dt.UTC)  # 00:30 CEST on the 26th
        for zone in (BERLIN, ZURICH):
            item = only(
                engine.person_items(facts(last_touch_at=moment, zone=zone), RULES, TODAY),
                "keep_in_touch",
            )
            assert item.due_on == dt.date(2025, 10, 26) + dt.timedelta(days=90)

    def test_the_user_and_dormant_people_get_no_cadence(self):
        assert none_of(engine.person_items(facts(is_self=True), RULES, TODAY), "keep_in_touch")
        assert none_of(engine.person_items(facts(circle="dormant"), RULES, TODAY), "keep_in_touch")


class TestNewContact:
    def test_it_is_due_72_hours_after_the_first_meeting(self):
        f = facts(
            created_at=at(2025, 6, 3, 20),
            first_touch_at=at(2025, 6, 3, 19),
            first_touch_met=True,
            touch_count=1,
            last_touch_at=at(2025, 6, 3, 19),
        )
        item = only(engine.person_items(f, RULES, TODAY), "new_contact")
        assert item.due_on == dt.date(2025, 6, 6)
        assert text(item, TODAY, "en").startswith("You met Thomas on June 3")
        assert "innerhalb von 72 Stunden" in text(item, TODAY, "de")

    def test_72_hours_across_the_spring_dst_change_land_on_the_local_date(self):
        first = at(2025, 3, 28, 23, 30)  # + 72 h = 1 April 00:30 CEST
        f = facts(
            created_at=first,
            first_touch_at=first,
            first_touch_met=True,
            last_touch_at=first,
            touch_count=1,
        )
        assert only(engine.person_items(f, RULES, dt.date(2025, 3, 29)), "new_contact").due_on == (
            dt.date(2025, 4, 1)
        )

    def test_met_on_counts_as_the_first_meeting(self):
        f = facts(created_at=at(2025, 6, 2, 9), met_on=dt.date(2025, 5, 31))
        assert only(engine.person_items(f, RULES, TODAY), "new_contact").due_on == dt.date(
            2025, 6, 3
        )

    def test_a_second_touchpoint_answers_it(self):
        first = at(2025, 6, 1, 19)
        f = facts(
            created_at=first, first_touch_at=first, last_touch_at=at(2025, 6, 2, 9), touch_count=2
        )
        assert none_of(engine.person_items(f, RULES, TODAY), "new_contact")

    def test_old_contacts_recorded_later_are_not_new(self):
        f = facts(created_at=at(2025, 6, 1, 9), met_on=dt.date(2019, 5, 1))
        assert none_of(engine.person_items(f, RULES, TODAY), "new_contact")


class TestOccasions:
    def test_a_birthday_with_a_year_is_due_on_the_day_and_names_the_age(self):
        f = facts(birthday=(14, 6, 1985))
        item = only(engine.person_items(f, RULES, TODAY), "birthday")
        assert item.due_on == dt.date(2025, 6, 14)
        assert text(item, TODAY, "en") == "Thomas turns 40 on June 14"
        assert text(item, TODAY, "de") == "Thomas wird am 14. Juni 40"

    def test_a_birthday_without_a_year(self):
        item = only(engine.person_items(facts(birthday=(1, 7, None)), RULES, TODAY), "birthday")
        assert item.due_on == dt.date(2025, 7, 1)
        assert text(item, TODAY, "de") == "Thomas hat am 1. Juli Geburtstag"

    def test_a_birthday_stays_a_week_then_moves_to_next_year(self):
        f = facts(birthday=(20, 5, None))
        assert only(engine.person_items(f, RULES, dt.date(2025, 5, 27)), "birthday").due_on == (
            dt.date(2025, 5, 20)
        )
        assert only(engine.person_items(f, RULES, dt.date(2025, 5, 28)), "birthday").due_on == (
            dt.date(2026, 5, 20)
        )

    def test_a_touch_on_the_birthday_answers_it(self):
        f = facts(birthday=(1, 6, None), last_touch_at=at(2025, 6, 1, 10))
        assert only(engine.person_items(f, RULES, TODAY), "birthday").due_on == dt.date(2026, 6, 1)

    def test_29_february_falls_on_28_february_in_other_years(self):
        item = only(
            engine.person_items(facts(birthday=(29, 2, 2000)), RULES, dt.date(2026, 1, 5)),
            "birthday",
        )
        assert item.due_on == dt.date(2026, 2, 28)

    def test_a_job_change_is_due_within_a_week(self):
        f = facts(job_id=3, job_start=dt.date(2025, 5, 30), organisation="Acme")
        item = only(engine.person_items(f, RULES, TODAY), "job_change")
        assert item.due_on == dt.date(2025, 6, 6)
        assert (
            text(item, TODAY, "en")
            == "Thomas started at Acme on May 30: congratulate within a week"
        )
        assert "hat am 30. Mai bei Acme angefangen" in text(item, TODAY, "de")

    def test_a_job_that_began_before_we_knew_the_person_is_no_news(self):
        f = facts(job_id=3, job_start=dt.date(2020, 5, 30))
        assert none_of(engine.person_items(f, RULES, TODAY), "job_change")

    def test_a_work_anniversary_counts_full_years(self):
        f = facts(job_id=3, job_start=dt.date(2020, 6, 10), organisation="Acme")
        item = only(engine.person_items(f, RULES, TODAY), "work_anniversary")
        assert item.due_on == dt.date(2025, 6, 17)
        assert text(item, TODAY, "en") == "Thomas celebrates 5 years at Acme on June 10"
        assert text(item, TODAY, "de") == "Thomas feiert am 10. Juni 5 Jahre bei Acme"

    @pytest.mark.parametrize(
        "kind,en,de",
        [
            ("promotion", "Promotion of Thomas", "Beförderung von Thomas"),
            ("media_appearance", "Media appearance of Thomas", "Medienauftritt von Thomas"),
        ],
    )
    def test_promotions_and_media_appearances_are_due_within_a_week(self, kind, en, de):
        f = facts(occasions=(OccasionFact(5, kind, dt.date(2025, 6, 1)),))
        item = only(engine.person_items(f, RULES, TODAY), kind)
        assert item.due_on == dt.date(2025, 6, 8)
        assert text(item, TODAY, "en").startswith(en)
        assert text(item, TODAY, "de").startswith(de)

    def test_a_touch_after_the_occasion_answers_it(self):
        f = facts(
            occasions=(OccasionFact(5, "promotion", dt.date(2025, 6, 1)),),
            last_touch_at=at(2025, 6, 1, 18),
        )
        assert none_of(engine.person_items(f, RULES, TODAY), "promotion")


class TestReactivationAndReciprocity:
    def test_a_dormant_contact_is_suggested_after_a_year(self):
        f = facts(circle="dormant", interval_days=365, last_touch_at=at(2024, 3, 1, 10))
        item = only(engine.person_items(f, RULES, TODAY), "reactivation")
        assert item.due_on == dt.date(2025, 3, 1)
        assert text(item, TODAY, "en").startswith("No contact with Thomas for 15 months")
        assert text(item, TODAY, "de").startswith("Seit 15 Monaten kein Kontakt mit Thomas")

    def test_taking_more_than_giving_suggests_giving_something(self):
        f = facts(takes=3, gives=1, last_take_id=9, last_take_at=at(2025, 5, 20, 12))
        item = only(engine.person_items(f, RULES, TODAY), "reciprocity")
        assert item.due_on == dt.date(2025, 5, 27)
        assert "received 3 favours from Thomas and gave 1" in text(item, TODAY, "en")
        assert "3 Gefallen von Thomas erhalten und 1" in text(item, TODAY, "de")

    def test_balanced_give_and_take_needs_nothing(self):
        f = facts(takes=2, gives=1, last_take_id=9, last_take_at=at(2025, 5, 20, 12))
        assert none_of(engine.person_items(f, RULES, TODAY), "reciprocity")


class TestCareerRules:
    def application(self, **kw) -> ApplicationFacts:
        base = {
            "application_id": 4,
            "person_id": 7,
            "person_name": "Frau Berg",
            "organisation": "Acme",
            "stage": "interview",
            "interviews": (InterviewFacts(1, at(2025, 3, 3, 10)),),
        }
        return ApplicationFacts(**{**base, **kw})

    def test_an_interview_needs_a_thank_you_by_the_next_day(self):
        item = only(engine.subject_items([self.application()], RULES, BERLIN), "interview_thanks")
        assert item.due_on == dt.date(2025, 3, 4)
        assert item.subject == "application:4"
        assert (
            text(item, TODAY, "en")
            == "Interview at Acme on March 3: thank Frau Berg by the next day"
        )
        assert "Vorstellungsgespräch bei Acme am 3. März" in text(item, TODAY, "de")

    def test_a_thanked_interview_needs_none(self):
        app = self.application(interviews=(InterviewFacts(1, at(2025, 3, 3, 10), thanked=True),))
        assert none_of(engine.subject_items([app], RULES, BERLIN), "interview_thanks")

    def test_no_reply_for_21_days_asks_for_the_status_within_a_window_to_28(self):
        item = only(engine.subject_items([self.application()], RULES, BERLIN), "status_inquiry")
        assert item.due_on == dt.date(2025, 3, 24)
        assert item.window_end == dt.date(2025, 3, 31)
        assert "no reply for 23 days" in text(item, dt.date(2025, 3, 26), "en")
        assert "seit 23 Tagen keine Antwort" in text(item, dt.date(2025, 3, 26), "de")

    def test_a_reply_after_the_interview_restarts_the_inquiry_clock(self):
        app = self.application(last_reply_on=dt.date(2025, 3, 10))
        item = only(engine.subject_items([app], RULES, BERLIN), "status_inquiry")
        assert item.due_on == dt.date(2025, 3, 31)
        assert (
            item.key
            != only(engine.subject_items([self.application()], RULES, BERLIN), "status_inquiry").key
        )
        assert "Last heard from Acme on March 10, nothing since for 22 days" in text(
            item, dt.date(2025, 4, 1), "en"
        )
        assert "Letzte Nachricht von Acme am 10. März, seit 22 Tagen nichts" in text(
            item, dt.date(2025, 4, 1), "de"
        )

    def test_a_reply_before_the_last_interview_changes_nothing(self):
        app = self.application(last_reply_on=dt.date(2025, 3, 1))
        item = only(engine.subject_items([app], RULES, BERLIN), "status_inquiry")
        assert item.due_on == dt.date(2025, 3, 24)

    def test_without_an_interview_the_inquiry_counts_from_the_application(self):
        app = self.application(stage="applied", interviews=(), applied_on=dt.date(2025, 3, 1))
        item = only(engine.subject_items([app], RULES, BERLIN), "status_inquiry")
        assert item.due_on == dt.date(2025, 3, 22)
        assert "Applied to Acme on March 1, no reply for 25 days" in text(
            item, dt.date(2025, 3, 26), "en"
        )
        assert "Bewerbung bei Acme am 1. März, seit 25 Tagen keine Antwort" in text(
            item, dt.date(2025, 3, 26), "de"
        )

    def test_the_inquiry_counts_from_the_last_of_several_interviews(self):
        interviews = (InterviewFacts(1, at(2025, 3, 3, 10)), InterviewFacts(2, at(2025, 3, 17, 9)))
        item = only(
            engine.subject_items([self.application(interviews=interviews)], RULES, BERLIN),
            "status_inquiry",
        )
        assert item.due_on == dt.date(2025, 4, 7)

    @pytest.mark.parametrize("stage", ["saved", "offer", "accepted", "rejected", "withdrawn"])
    def test_no_inquiry_once_an_answer_came_or_before_applying(self, stage):
        app = self.application(stage=stage, rejected_on=dt.date(2025, 4, 1))
        assert none_of(engine.subject_items([app], RULES, BERLIN), "status_inquiry")

    def test_an_unsaved_application_without_a_date_or_interview_waits_for_neither(self):
        app = self.application(stage="applied", interviews=())
        assert none_of(engine.subject_items([app], RULES, BERLIN), "status_inquiry")

    def test_each_interview_is_thanked_to_its_own_interviewer(self):
        interviews = (
            InterviewFacts(1, at(2025, 3, 3, 10), person_id=8, person_name="Herr Ost"),
            InterviewFacts(2, at(2025, 3, 17, 9)),
        )
        items = [
            i
            for i in engine.subject_items([self.application(interviews=interviews)], RULES, BERLIN)
            if i.rule == "interview_thanks"
        ]
        assert [(i.person_id, i.params["name"], i.due_on) for i in items] == [
            (8, "Herr Ost", dt.date(2025, 3, 4)),
            (7, "Frau Berg", dt.date(2025, 3, 18)),
        ]

    def test_a_rejection_asks_for_feedback_within_two_days(self):
        app = self.application(stage="rejected", rejected_on=dt.date(2025, 4, 1))
        item = only(engine.subject_items([app], RULES, BERLIN), "feedback_request")
        assert item.due_on == dt.date(2025, 4, 3)
        assert "short feedback call" in text(item, TODAY, "en")
        assert "kurzes Feedback-Telefonat" in text(item, TODAY, "de")
        done = replace(app, feedback_requested=True)
        assert none_of(engine.subject_items([done], RULES, BERLIN), "feedback_request")

    def test_a_network_conversation_needs_thanks_and_a_debrief_next_day(self):
        conv = ConversationFacts(2, 7, "Thomas", at(2025, 5, 5, 17))
        item = only(engine.subject_items([conv], RULES, BERLIN), "conversation_thanks")
        assert item.due_on == dt.date(2025, 5, 6)
        assert item.subject == "conversation:2"
        assert "say thanks and note what you learned" in text(item, TODAY, "en")
        assert "bedanken und notieren, was Sie gelernt haben" in text(item, TODAY, "de")
        both = replace(conv, thanked=True, debriefed=True)
        assert none_of(engine.subject_items([both], RULES, BERLIN), "conversation_thanks")

    def test_disabled_rules_produce_nothing(self):
        rules = engine.rules_for({"interview_thanks": {"enabled": False}})
        assert none_of(
            engine.subject_items([self.application()], rules, BERLIN), "interview_thanks"
        )


class TestPriorityAndSettings:
    def test_priority_combines_circle_occasion_and_target_company(self):
        core = engine.base_priority(RULES["keep_in_touch"], "core", False)
        network = engine.base_priority(RULES["keep_in_touch"], "network", False)
        target = engine.base_priority(RULES["keep_in_touch"], "network", True, 1)
        birthday = engine.base_priority(RULES["birthday"], "network", False)
        assert core > network and target > network and birthday > network

    def test_lateness_raises_priority_in_steps(self):
        assert [engine.overdue_bonus(d) for d in (0, 1, 7, 14, 30, 400)] == [0, 5, 10, 20, 30, 30]
        assert engine.effective_priority(10, dt.date(2025, 5, 1), TODAY) == 40

    def test_the_core_circle_warning_starts_above_twenty(self):
        assert not engine.core_circle_warning(20, RULES)
        assert engine.core_circle_warning(21, RULES)

    def test_workspace_overrides_change_the_rules(self):
        rules = engine.rules_for({"new_contact": {"offset_days": 2}})
        assert rules["new_contact"].offset_days == 2
        assert engine.circle_days_for({"core": 14})["core"] == 14

    @pytest.mark.parametrize("bad", [{"core": 0}, {"core": 3651}, {"inner": 10}])
    def test_intervals_of_zero_or_over_ten_years_are_refused(self, bad):
        with pytest.raises(engine.RuleError):
            engine.circle_days_for(bad)

    def test_the_networking_block_is_next_on_the_chosen_weekday_in_local_time(self):
        start, end = engine.networking_block(dt.date(2025, 3, 26), 4, dt.time(16), 60, BERLIN)
        assert start == at(2025, 3, 28, 16) and (end - start) == dt.timedelta(hours=1)
        # After the DST change the block stays at 16:00 local (14:00 UTC instead of 15:00).
        start, _ = engine.networking_block(dt.date(2025, 3, 31), 4, dt.time(16), 60, BERLIN)
        assert start.astimezone(dt.UTC).hour == 14


def test_suggestions_do_not_grow_more_urgent_while_they_wait():
    late = dt.date(2024, 1, 1)
    assert engine.effective_priority(10, late, TODAY, "reciprocity") == 10
    assert engine.effective_priority(10, late, TODAY, "reactivation") == 10
    assert engine.effective_priority(10, late, TODAY, "keep_in_touch") == 40
