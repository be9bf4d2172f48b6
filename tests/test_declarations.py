"""What a project declares in its pyproject.toml, setup.cfg, setup.py and requirements:
the console scripts it installs (programs' entry points, which run once) and the
SQLAlchemy it runs on."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlalchemy_lint.semantic.entry_points import is_console_script
from sqlalchemy_lint.semantic.versions import major_version, requires_before_2


@pytest.mark.parametrize(
    ("declaration_file", "declaration"),
    [
        ("pyproject.toml", '[project.scripts]\nload = "loader.cli:load"\n'),
        ("pyproject.toml", '[tool.poetry.scripts]\nload = "loader.cli:load"\n'),
        ("setup.cfg", "[options.entry_points]\nconsole_scripts =\n    load = loader.cli:load\n"),
        (
            "setup.py",
            'setup(entry_points={"console_scripts": ["load=loader.cli:load"]},\n'
            '      url="https://example.org/loader")\n',
        ),
    ],
)
def test_declared_console_scripts_are_found(
    tmp_path: Path, declaration_file: str, declaration: str
) -> None:
    (tmp_path / declaration_file).write_text(declaration, encoding="utf-8")
    package = tmp_path / "src" / "loader"  # a src layout: the import path is loader.cli
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    cli = package / "cli.py"
    cli.write_text("def load():\n    pass\n\ndef helper():\n    pass\n", encoding="utf-8")
    assert is_console_script(cli, "load")
    assert not is_console_script(cli, "helper")
    assert not is_console_script(package / "__init__.py", "load")


def test_a_project_whose_root_is_its_package_folder(tmp_path: Path) -> None:
    """A pyproject.toml inside the package folder itself (`sentinel/pyproject.toml`
    declaring `sentinel.ingestion.main:run`): the declaration names the import path,
    which begins with the root folder's own name."""
    package = tmp_path / "sentinel"
    (package / "ingestion").mkdir(parents=True)
    (package / "pyproject.toml").write_text(
        '[project.scripts]\ningest = "sentinel.ingestion.main:run"\n', encoding="utf-8"
    )
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "ingestion" / "__init__.py").write_text("", encoding="utf-8")
    main = package / "ingestion" / "main.py"
    main.write_text("def run():\n    pass\n", encoding="utf-8")
    assert is_console_script(main, "run")
    assert not is_console_script(main, "helper")


def test_no_declaration_no_console_script(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    module = tmp_path / "cli.py"
    module.write_text("def main():\n    pass\n", encoding="utf-8")
    assert not is_console_script(module, "main")


def test_an_edited_declaration_is_read_again(tmp_path: Path) -> None:
    """The language server lives across edits of pyproject.toml: what it learnt from
    the old text must not outlive it."""
    declaration = tmp_path / "pyproject.toml"
    declaration.write_text('[project]\nname = "x"\n', encoding="utf-8")
    module = tmp_path / "cli.py"
    module.write_text("def run():\n    pass\n", encoding="utf-8")
    assert not is_console_script(module, "run")
    declaration.write_text('[project]\nname = "x"\n\n[project.scripts]\nx = "cli:run"\n')
    assert is_console_script(module, "run")


def test_an_edited_requirement_is_read_again(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("SQLAlchemy==1.4.37\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    module = tmp_path / "app.py"
    module.write_text("", encoding="utf-8")
    assert requires_before_2(module)
    requirements.write_text("SQLAlchemy==2.0.36\n", encoding="utf-8")
    assert not requires_before_2(module)


def test_a_relative_path_does_not_climb_past_its_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sqlalchemy-lint check projects/legacy` run from a folder whose own requirements
    pin another SQLAlchemy: the checked project's (here, none) is what counts."""
    (tmp_path / "requirements.txt").write_text("SQLAlchemy==2.0.36\n", encoding="utf-8")
    project = tmp_path / "projects" / "legacy"
    (project / ".git").mkdir(parents=True)
    (project / "etl.py").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert major_version(Path("projects/legacy/etl.py")) is None
    (project / "requirements.txt").write_text("SQLAlchemy<1.4\n", encoding="utf-8")
    assert major_version(Path("projects/legacy/etl.py")) == 1
