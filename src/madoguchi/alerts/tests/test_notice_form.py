"""Issue #12 item 10: the notice form never shows Django's 「---------」 as the default 発信課:
the writer's own section when they write for one, else a prompt in words."""

from madoguchi.accounts.testing import login_staff
from madoguchi.alerts.forms import NoticeForm
from madoguchi.core.models import Section


def test_section_defaults_to_the_writers_only_section(client, city, staff):
    login_staff(client, staff["clerk"])
    html = client.get("/alerts/staff/new/").content.decode()
    assert "---------" not in html
    assert f'<option value="{staff["section"].pk}" selected>防災安全課</option>' in html


def test_several_sections_get_a_prompt(city):
    form = NoticeForm(municipality=city, sections=Section.objects.filter(municipality=city, kind=Section.Kind.SECTION))
    html = str(form["section"]) + str(form["topic"])
    assert "---------" not in html
    assert "発信課を選んでください" in html and "分野を指定しない" in html
