#!/usr/bin/env python3
"""The layering of ../shared/STYLE.md ("Who may include whom"), checked on
every #include of src/: a folder may include only the folders below it, and
each heavy library is used from one folder. Fails with every forbidden arrow
and the file:line that draws it.

    python3 tests/architecture/layering_test.py [SRC_DIR]
"""
import pathlib
import re
import sys

# Folder -> the folders of ours it may include (itself always allowed).
# base <- rating <- billing <- store <- export/sync <- http <- app; esl and
# config on base only; sim on esl; only app knows everyone (STYLE.md).
ALLOWED = {
    "base": set(),
    "rating": {"base"},
    "esl": {"base"},
    "config": {"base"},
    "billing": {"base", "rating"},
    "store": {"base", "rating", "billing"},
    "export": {"base", "rating", "billing", "store"},
    "sync": {"base", "rating", "billing", "store"},
    "http": {"base", "rating", "billing", "store", "export", "config"},
    "notify": {"base", "rating", "billing", "store"},
    "sim": {"base", "esl"},
    "app": {"base", "rating", "billing", "store", "export", "sync", "http", "notify", "config", "esl", "sim"},
}

# Each heavy library is used from one folder (STYLE.md): header -> folder.
LIBRARY_HOME = {
    "SQLiteCpp/": "store",
    "sqlite3.h": "store",
    "microhttpd.h": "http",
    "libpq-fe.h": "sync",
    "curl/curl.h": "notify",
    "postgresql/libpq-fe.h": "sync",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def violations(src: pathlib.Path):
    found = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in {".h", ".cpp", ".in"} or not path.is_file():
            continue
        folder = path.relative_to(src).parts[0]
        if folder not in ALLOWED:
            found.append(f"{path}: folder src/{folder} is not in the layering table")
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, target = m.groups()
            where = f"{path.relative_to(src.parent)}:{n}"
            if kind == '"':
                dep = target.split("/", 1)[0] if "/" in target else folder
                if dep != folder and dep not in ALLOWED[folder]:
                    found.append(f"{where}: src/{folder} may not include {dep}/ ({target})")
            for prefix, home in LIBRARY_HOME.items():
                if (target == prefix or target.startswith(prefix)) and folder != home:
                    found.append(f"{where}: {target} is used only from src/{home}, not src/{folder}")
    return found


def self_test():
    """The checker itself: planted arrows must be found, allowed ones not."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp) / "src"
        files = {
            "billing/a.h": '#include "store/writer.h"\n#include <SQLiteCpp/Database.h>\n#include "rating/rate.h"\n',
            "http/b.cpp": '#include "esl/client.h"\n#include <httplib.h>\n',
            "base/c.h": '#include "rating/cost.h"\n',
            "app/d.cpp": '#include "sync/mirror.h"\n#include <libpq-fe.h>\n',
        }
        for name, text in files.items():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_text(text)
        got = violations(src)
    expected = ["may not include store/", "SQLiteCpp/Database.h is used only from src/store",
                "src/http may not include esl/", "src/base may not include rating/",
                "libpq-fe.h is used only from src/sync, not src/app"]
    missing = [e for e in expected if not any(e in g for g in got)]
    if missing or len(got) != len(expected):
        print(f"FAIL: self-test found {got}, expected {expected}")
        return 1
    print(f"layering self-test: the {len(expected)} planted forbidden includes were found")
    return 0


def main():
    if sys.argv[1:2] == ["--self-test"]:
        return self_test()
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2] / "src")
    if not src.is_dir():
        print(f"FAIL: {src} is not a directory")
        return 1
    folders = {p.name for p in src.iterdir() if p.is_dir()}
    bad = violations(src)
    for line in bad:
        print("FAIL: " + line)
    print(f"layering: {len(folders)} folders checked, {len(bad)} forbidden includes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
