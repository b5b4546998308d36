"""Issue #12 item 10: the README's commands work as written. Every `manage.py …` command in
README.md is found, its arguments are accepted by the command's own parser, and those that end
by themselves are run (the ones that serve forever, or migrate the already migrated test
database, are only parsed)."""

import io
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class

README = Path(__file__).resolve().parents[1] / "README.md"
PARSE_ONLY = {"migrate", "runworker", "runserver"}


def readme_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        for m in re.finditer(r"manage\.py\s+([^`&#|]+)", line):
            args = shlex.split(m.group(1).strip())
            if args and args not in found:
                found.append(args)
    return found


def _parse(args):
    name, *rest = args
    assert name in get_commands(), f"README names a command that does not exist: manage.py {' '.join(args)}"
    command = load_command_class(get_commands()[name], name)
    command.create_parser("manage.py", name).parse_args(rest)  # exits (SystemExit) on a wrong argument
    return name, rest


def test_readme_has_the_commands_we_run():
    names = {args[0] for args in readme_commands()}
    assert {"demo_totp", "add_city", "migrate", "createcachetable", "runworker"} <= names


@pytest.mark.parametrize("args", readme_commands(), ids=lambda a: " ".join(a))
def test_readme_command_is_accepted(args):
    _parse(args)


def test_readme_demo_totp_runs(demo_staff):
    for args in readme_commands():
        if args[0] == "demo_totp":
            name, rest = _parse(args)
            out, err = io.StringIO(), io.StringIO()
            call_command(name, *rest, stdout=out, stderr=err)
            assert re.fullmatch(r"\d{6}", out.getvalue().strip()), out.getvalue()
            assert "確認コード" in err.getvalue()


def test_demo_totp_names_an_unknown_account(demo_staff):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="デモ用の確認コードがありません"):
        call_command("demo_totp", "nobody@example.jp", stdout=io.StringIO(), stderr=io.StringIO())


def test_readme_add_city_and_createcachetable_run(db, mailoutbox, run_tasks):
    from madoguchi.core.models import Municipality

    ran = set()
    for args in readme_commands():
        if args[0] in ("add_city", "createcachetable"):
            name, rest = _parse(args)
            call_command(name, *rest, stdout=io.StringIO(), stderr=io.StringIO())
            ran.add(name)
    assert ran == {"add_city", "createcachetable"}
    assert Municipality.objects.filter(code="139980").exists()


@pytest.fixture
def demo_staff(db):
    from madoguchi.accounts import demo
    from madoguchi.core import demo as core_demo

    demo.load(core_demo.load())
