"""The demo district as one seeded database, checked from every side: seeding 300 elders takes a minute or
two, so it is seeded once here and each app's check (a plain function in that app's test folder) reads it.
None of the checks writes anything another reads; pages are read in English (the msgids)."""

import pytest
from django.core.management import call_command

from tests.benefits.test_demo import (
    check_the_demo_orders_spend_vouchers_and_the_family_sees_its_elders_balance_and_history,
)
from tests.benefits.test_demo_anomalies import check_the_demo_has_the_planted_anomalies_waiting_for_review
from tests.benefits.test_demo_statements import (
    check_the_demo_has_two_past_months_of_statements_settled_orders_in_the_ledger_and_budgets,
)
from tests.childcare.test_demo import (
    check_the_demo_has_25_childcare_institutions_indicators_and_a_childcare_circle,
    check_the_demo_has_two_pilots_at_different_stages_and_a_round_with_open_and_closed_findings,
)
from tests.demo.open_orders import check_most_open_demo_orders_have_an_eligible_provider
from tests.facilities.test_demo import (
    check_the_demo_has_facilities_of_every_kind_meals_a_planted_flag_and_two_gaps,
)
from tests.health.test_demo import check_the_demo_has_health_records_weeks_of_vitals_and_follow_ups
from tests.homecare.test_demo import (
    check_the_demo_has_beds_at_every_step_a_closed_month_rentals_respite_and_an_answered_claim,
)
from tests.hotline.test_demo import (
    check_the_demo_desk_has_calls_an_overdue_call_back_articles_and_todays_care_list,
)
from tests.portal.test_demo import (
    check_the_demo_family_is_linked_with_consent_and_sees_its_elder_in_the_portal,
)
from tests.routes.test_demo import check_the_demo_has_a_draft_route_plan_for_today
from tests.visits.test_demo import check_the_demo_has_three_months_of_visits_and_some_overdue
from tests.web.test_home_queues import (
    check_the_officials_home_page_in_the_demo_district_stays_within_a_fixed_number_of_queries,
)

pytestmark = pytest.mark.django_db


def test_the_demo_district_works_from_every_side(client, english, django_assert_max_num_queries):
    call_command("seed_demo", elders=300)

    check_the_officials_home_page_in_the_demo_district_stays_within_a_fixed_number_of_queries(
        client, django_assert_max_num_queries
    )
    check_the_demo_has_two_past_months_of_statements_settled_orders_in_the_ledger_and_budgets()
    check_the_demo_has_the_planted_anomalies_waiting_for_review()
    check_the_demo_has_a_draft_route_plan_for_today()
    check_the_demo_orders_spend_vouchers_and_the_family_sees_its_elders_balance_and_history(client)
    check_the_demo_family_is_linked_with_consent_and_sees_its_elder_in_the_portal(client)
    check_the_demo_desk_has_calls_an_overdue_call_back_articles_and_todays_care_list(client)
    check_the_demo_has_three_months_of_visits_and_some_overdue(client)
    check_the_demo_has_health_records_weeks_of_vitals_and_follow_ups(client)
    check_the_demo_has_facilities_of_every_kind_meals_a_planted_flag_and_two_gaps()
    check_the_demo_has_beds_at_every_step_a_closed_month_rentals_respite_and_an_answered_claim()
    check_the_demo_has_25_childcare_institutions_indicators_and_a_childcare_circle()
    check_the_demo_has_two_pilots_at_different_stages_and_a_round_with_open_and_closed_findings()
    check_most_open_demo_orders_have_an_eligible_provider()  # last: it generates the plans' orders
