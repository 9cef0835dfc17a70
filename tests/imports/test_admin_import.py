"""The admin's import steps as a coordinator uses them: upload, map, preview, confirm; and who may not."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolio.policy import Role
from projects.models import Project
from tests.helpers import make_user

from .helpers import HEADERS, project_row, stored_state, workbook

URL = "/admin/projects/project/import/"


@pytest.fixture
def staff_coordinator(report_data):
    return make_user("coord-import", Role.COORDINATOR, is_staff=True)


def upload(client, data, name="清单.xlsx", **extra):
    return client.post(URL, {"step": "upload", "file": SimpleUploadedFile(name, data), **extra})


def confirm_token(response) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', response.content.decode()).group(1)


def test_upload_preview_confirm(client, staff_coordinator):
    client.force_login(staff_coordinator)
    listing = client.get("/admin/projects/project/")
    assert "从 Excel 导入项目清单" in listing.content.decode()
    form = client.get(URL)
    assert form.status_code == 200 and "下载导入模板" in form.content.decode()

    data = workbook([HEADERS, project_row("ADM-1", "后台导入项目"), project_row("R25-001", "白云神山物流枢纽一期",
                                                                              programme="")])
    before = stored_state()
    preview = upload(client, data)
    page = preview.content.decode()
    assert preview.status_code == 200 and stored_state() == before
    assert "后台导入项目" in page and "新增" in page and "确认导入" in page
    assert "白云神山物流枢纽一期" in page  # a report project: its facts are changed, field by field
    assert re.search(r'class="import-old">—</span> → 广州市白云区发展和改革局', page)

    done = client.post(URL, {"step": "confirm", "confirm": confirm_token(preview)}, follow=True)
    assert done.redirect_chain[-1][0] == "/admin/projects/project/"
    assert "已导入：新增 1，修改 1，不变 0" in done.content.decode()
    assert Project.objects.get(code="ADM-1").history.first().history_user == staff_coordinator


def test_headers_that_differ_are_mapped_by_hand(client, staff_coordinator):
    client.force_login(staff_coordinator)
    data = workbook([["序号", "工程名称", "所属计划", "总投资（亿元）"], [1, "映射项目", "2025年区重点项目", "0.8"]],
                    title_rows=[["白云区重点项目表"]])
    first = upload(client, data)
    page = first.content.decode()
    assert "缺少必填列：项目名称" in page and "确认导入" not in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    mapped = client.post(URL, {"step": "map", "token": token, "file_name": "清单.xlsx", "map:序号": "",
                               "map:工程名称": "name", "map:所属计划": "programme", "map:总投资（亿元）": "total_investment"})
    page = mapped.content.decode()
    assert "映射项目" in page and "8,000.00" in page and "确认导入" in page
    client.post(URL, {"step": "confirm", "confirm": confirm_token(mapped)})
    assert Project.objects.get(name="映射项目").total_investment == 8000


def test_errors_are_shown_on_their_rows_and_nothing_can_be_confirmed(client, staff_coordinator):
    client.force_login(staff_coordinator)
    response = upload(client, workbook([HEADERS, project_row("E-1", "错误项目", total=10, plan=20, category="航天")]))
    page = response.content.decode()
    assert "项目类别：“航天”不是可选值" in page and "年度计划投资（万元）：年度计划投资不能大于总投资。" in page
    assert "确认导入" not in page and "错误：1" in page


def test_a_bad_file_is_named_on_the_form(client, staff_coordinator):
    client.force_login(staff_coordinator)
    before = stored_state()
    response = upload(client, b"%PDF-1.4 fake", name="清单.xlsx")
    assert response.status_code == 200 and "是 PDF 文件" in response.content.decode()
    assert stored_state() == before


def test_a_tampered_or_replayed_confirm_writes_nothing(client, staff_coordinator):
    client.force_login(staff_coordinator)
    preview = upload(client, workbook([HEADERS, project_row("T-1", "篡改项目")]))
    token = confirm_token(preview)
    before = stored_state()
    bad = client.post(URL, {"step": "confirm", "confirm": token[:-3] + "abc"}, follow=True)
    assert "确认请求无效" in bad.content.decode() and stored_state() == before
    client.post(URL, {"step": "confirm", "confirm": token})
    assert Project.objects.filter(code="T-1").exists()
    after = stored_state()
    replay = client.post(URL, {"step": "confirm", "confirm": token}, follow=True)
    assert "已过期或不存在" in replay.content.decode() and stored_state() == after


def test_another_users_upload_cannot_be_confirmed(client, staff_coordinator):
    client.force_login(staff_coordinator)
    token = confirm_token(upload(client, workbook([HEADERS, project_row("O-1", "他人项目")])))
    other = make_user("coord-other", Role.COORDINATOR, is_staff=True)
    client.force_login(other)
    before = stored_state()
    response = client.post(URL, {"step": "confirm", "confirm": token}, follow=True)
    assert "已过期或不存在" in response.content.decode() and stored_state() == before


def test_the_template_downloads_with_a_chinese_name(client, staff_coordinator):
    client.force_login(staff_coordinator)
    response = client.get(URL + "template/")
    assert response.status_code == 200
    assert "filename*=UTF-8''%E9%A1%B9%E7%9B%AE" in response["Content-Disposition"]
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames[0] == "项目清单"


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_editors_and_viewers_cannot_import(client, report_data, department, role):
    user = make_user(f"no-import-{role}", role, department=department if role == Role.EDITOR else None, is_staff=True)
    client.force_login(user)
    before = stored_state()
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"step": "upload", "file": SimpleUploadedFile("a.xlsx", workbook([HEADERS]))}).status_code == 403
    assert client.get(URL + "template/").status_code == 403
    assert stored_state() == before


def test_only_administrators_see_the_editor_import(client, staff_coordinator):
    client.force_login(staff_coordinator)
    assert client.get("/admin/projects/departmentmembership/import/").status_code == 403
    administrator = make_user("admin-2", Role.ADMINISTRATOR, is_staff=True)
    client.force_login(administrator)
    assert "从 Excel 导入填报员账号" in client.get("/admin/projects/departmentmembership/").content.decode()
    assert client.get("/admin/projects/department/import/").status_code == 200
