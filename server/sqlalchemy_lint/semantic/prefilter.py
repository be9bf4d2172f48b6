"""Skip files that cannot involve SQLAlchemy, before parsing them.

A finding needs a SQLAlchemy name: either the file mentions `sqlalchemy` or
`sqlmodel` (every import of them, aliased or not, contains the word) or it imports
a module of the project that involves SQLAlchemy, however indirectly
(`from .database import SessionLocal`), or it is a test module below a conftest.py
that does. Settings modules are the exception: they
hold database URLs (`postgresql://...`, `SQLALCHEMY_DATABASE_URI`) for SQA302
without importing SQLAlchemy, so a file that mentions one is checked too; so is
one that reads or writes pandas frames over SQL (`pd.read_sql(q, engine.connect())`,
`df.to_sql(...)`), which pandas does through SQLAlchemy with the engine the module is
handed. The
check looks at import lines with a regular expression and asks the project index
about the imported modules, so a file is skipped only when no rule could possibly
fire in it.
"""

from __future__ import annotations

import re
from pathlib import Path

from .kinds import DATABASE_DIALECTS
from .options import AnalysisOptions
from .project import ProjectIndex, deployed_beside, is_pytest_module

_DATABASE_SETTING = re.compile(
    r"SQLALCHEMY_|\b(?:" + "|".join(sorted(DATABASE_DIALECTS)) + r")(?:\+\w+)?://", re.IGNORECASE
)

_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<from_module>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\(?[\w, \t*]*)"
    r"|import[ \t]+(?P<modules>[\w., \t]+))",
    re.MULTILINE,
)


# pandas' (and GeoPandas') readers and writers of frames over SQL, called.
_FRAME_SQL = re.compile(r"\.(?:read_sql(?:_query|_table)?|to_sql|read_postgis|to_postgis)\(")


def might_involve_sqlalchemy(
    text: str, path: Path | None, project: ProjectIndex | None, options: AnalysisOptions
) -> bool:
    if "sqlalchemy" in text or "sqlmodel" in text or _DATABASE_SETTING.search(text):
        return True
    if "pandas" in text and _FRAME_SQL.search(text):
        return True
    if any(name.rsplit(".", 1)[-1] in text for name in options.session_factories):
        return True
    if path is None or project is None:
        return False
    if is_pytest_module(path) and project.has_sqlalchemy_fixtures(path):
        return True  # its tests may request a session from a conftest.py
    if "import" not in text:
        return False
    for match in _IMPORT.finditer(text):
        if match.group("from_module") is not None:
            module = match.group("from_module")
            candidates = [module]
            for name in re.split(r"[,\s()]+", match.group("names") or ""):
                if name and name != "*" and name.isidentifier():
                    candidates.append(f"{module}{'' if module.endswith('.') else '.'}{name}")
        else:
            candidates = [
                part.split(" as ")[0].strip() for part in (match.group("modules") or "").split(",")
            ]
        for candidate in candidates:
            if candidate and _exports_anything(project, path, candidate, text):
                return True
    return False


def _exports_anything(project: ProjectIndex, path: Path, module: str, text: str) -> bool:
    # `sys.path.insert(0, ...)`: the module may be anywhere in the project (a guess
    # from the text, before the file is parsed; a wrong one only costs a check); so may
    # a module deployed beside the file.
    anywhere = "sys.path" in text or "addsitedir" in text or deployed_beside(module)
    target = project.resolve_module(path, module, anywhere)
    return target is not None and project.involves_sqlalchemy(target)
