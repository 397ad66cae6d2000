"""The apps depend on each other one way only (tools/check_layers.py)."""

from tools import check_layers


def test_dependencies_flow_one_way():
    assert check_layers.violations() == []


def test_the_check_catches_an_upward_import_and_a_hidden_one(tmp_path, monkeypatch):
    # A cases module importing visits at the top, and one importing contacts inside a function.
    app = tmp_path / "cases"
    app.mkdir()
    (app / "upward.py").write_text("from visits.models import FieldVisit\n")
    (app / "hidden.py").write_text("def f():\n    from core.models import JobRun\n    return JobRun\n")
    monkeypatch.setattr(check_layers, "ROOT", tmp_path)
    monkeypatch.setattr(check_layers, "FLOORS", {"core": 0, "cases": 3, "visits": 5})
    found = check_layers.violations()
    assert any("cases/upward.py:1" in line and "imports visits" in line for line in found)
    assert any("cases/hidden.py:2" in line and "function-level import of core" in line for line in found)


def test_the_size_check_names_a_module_over_the_limit_and_skips_migrations(tmp_path):
    from tools import check_module_sizes

    (tmp_path / "app" / "migrations").mkdir(parents=True)
    (tmp_path / "app" / "long.py").write_text("x = 1\n" * (check_module_sizes.MAX_LINES + 1))
    (tmp_path / "app" / "fits.py").write_text("x = 1\n" * check_module_sizes.MAX_LINES)
    (tmp_path / "app" / "migrations" / "0001_initial.py").write_text("x = 1\n" * 2000)
    assert [(lines, str(path)) for lines, path in check_module_sizes.oversized(tmp_path)] == [
        (check_module_sizes.MAX_LINES + 1, "app/long.py")
    ]
