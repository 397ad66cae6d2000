"""The growth series' arithmetic: cost per case by size, and the ±25% test on the night."""

from bench.growth import markdown, series


def report(cases, night_seconds, escalate_seconds):
    return {
        "cases": cases,
        "contact_attempts": cases * 10,
        "refresh_delinquency": {
            "first_run": {"seconds": night_seconds / 2},
            "raw_floor": {"seconds": night_seconds / 5},
            "steps_first_run": {"escalate_by_policy": {"seconds": escalate_seconds}},
            "whole_night": {"seconds": night_seconds, "steps": {"plan_reminders": {"seconds": night_seconds / 4}}},
            "night_floor": {"seconds": night_seconds / 2},
        },
    }


def test_cost_per_case_by_size_and_a_linear_night():
    result = series([report(1_000_000, 40.0, 8.0), report(250_000, 10.5, 2.0), report(500_000, 19.0, 4.0)])
    assert [row["cases"] for row in result["rows"]] == [250_000, 500_000, 1_000_000]
    assert result["rows"][0]["night_us_per_case"] == 42.0  # 10.5 s / 250,000 cases
    assert result["rows"][2]["steps_us_per_case"] == {"escalate_by_policy": 8.0, "plan_reminders": 10.0}
    assert result["night_linear_within_25_percent"] is True
    table = markdown(result)
    assert "| 250,000 | 10.5 | 42.0 |" in table and "xychart-beta" in table


def test_a_night_that_grows_faster_than_the_book_is_not_linear():
    result = series([report(250_000, 10.0, 2.0), report(2_000_000, 160.0, 16.0)])  # 40 µs, then 80 µs per case
    assert result["night_largest_deviation"] > 0.25
    assert result["night_linear_within_25_percent"] is False
    assert "outside ±25%" in markdown(result)
