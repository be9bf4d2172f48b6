"""SQA302 by where a URL is written: the tests' own database and a template users copy
keep no secret when the URL names the local machine or a compose service, and are
reported when it names a deployed server; the application's own settings are
reported either way."""

from __future__ import annotations

from pathlib import Path

from test_project_wide import findings, project

LOCAL = 'DATABASE_URL = "postgresql://rtester:rtester@localhost/app_test"\n'
COMPOSE = 'DATABASE_URL = "mysql://root:root@db/app"\n'
DEPLOYED = 'DATABASE_URL = "postgresql://app:Xk29fj2@db.internal.example.com/app"\n'


def test_throwaway_and_template_urls_for_the_local_machine_are_not_reported(
    tmp_path: Path,
) -> None:
    root = project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/settings.py": LOCAL,
            "tests/settings.py": LOCAL,
            "tests/test_db.py": COMPOSE,
            "settings_test.py": LOCAL,
            "config.example.py": LOCAL,
            "deploy/settings_sample.py": COMPOSE,
        },
    )
    assert findings(root, "SQA302") == [("app/settings.py", 1, "SQA302")]


def test_a_deployed_server_is_reported_in_tests_and_templates_too(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {"tests/settings.py": DEPLOYED, "config.example.py": DEPLOYED},
    )
    assert findings(root, "SQA302") == [
        ("config.example.py", 1, "SQA302"),
        ("tests/settings.py", 1, "SQA302"),
    ]
