"""The monthly Excel round-trip: download the department's sheet, fill it offline, upload, preview, save or submit."""

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from projects.imports import monthly
from projects.models import Milestone, MonthlyReport, PeriodLock, Project, SheetReturn
from tests.helpers import database_state

YEAR = 2025
SHEET = "/projects/bulk/sheet.xlsx"
UPLOAD = "/projects/bulk/upload/"


def query(month, department=None):
    return f"?year={YEAR}&month={month}" + (f"&department={department.pk}" if department else "")


def download(client, month, department=None) -> openpyxl.Workbook:
    response = client.get(SHEET + query(month, department))
    assert response.status_code == 200, response.content[:300]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def columns(book) -> dict[str, int]:
    return {cell.value: cell.column for cell in book.worksheets[0][3] if cell.value}


def rows_by_code(book) -> dict[str, int]:
    sheet = book.worksheets[0]
    return {sheet.cell(row=r, column=1).value: r for r in range(4, sheet.max_row + 1)}


def fill(book, code, **values):
    sheet, where = book.worksheets[0], columns(book)
    for header, value in values.items():
        sheet.cell(row=rows_by_code(book)[code], column=where[header], value=value)


def saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, book, month, department=None, name="月报.xlsx"):
    return client.post(UPLOAD + query(month, department),
                       {"step": "upload", "file": SimpleUploadedFile(name, saved(book))})


def confirm(client, preview, month, department=None, action="save"):
    token = re.search(r'name="confirm" value="([^"]+)"', preview.content.decode()).group(1)
    return client.post(UPLOAD + query(month, department), {"step": "confirm", "confirm": token, "action": action})


def report_values(project, month):
    return MonthlyReport.objects.filter(project=project, year=YEAR, month=month).values(
        "completed_month", "completed_ytd", "progress_text", "problems", "coordination_requests",
        "plausibility_note", "status", "version").first()


def test_the_sheet_holds_exactly_the_rows_the_user_may_report(client, world):
    client.force_login(world.users["editor"])
    book = download(client, 4)
    sheet = book.worksheets[0]
    assert list(rows_by_code(book)) == ["P-own"]  # the other department's project is not on it
    where = columns(book)
    row = rows_by_code(book)["P-own"]
    assert sheet.cell(row=row, column=where["上月累计完成（万元）"]).value == 20
    assert sheet.cell(row=row, column=where["年度计划投资（万元）"]).value == 1000
    assert sheet.protection.sheet
    assert sheet.cell(row=row, column=where["项目编号"]).protection.locked
    assert not sheet.cell(row=row, column=where["本月完成投资（万元）"]).protection.locked
    assert not sheet.cell(row=row, column=where["开工节点实际日期"]).protection.locked
    version = where["版本（请勿修改）"]
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(version)].hidden
    assert sheet.cell(row=row, column=version).value == f"0|{world.milestones['own'].pk}:1"
    assert book["_meta"].sheet_state == "veryHidden"

    client.force_login(world.users["coordinator"])
    other = world.projects["other"].lead_department
    assert list(rows_by_code(download(client, 4, other))) == ["P-other"]


def test_the_round_trip_saves_what_the_bulk_page_saves(client, world):
    project, milestone = world.projects["own"], world.milestones["own"]
    client.force_login(world.users["editor"])
    values = {"completed_month": "120.5", "progress_text": "主体结构施工", "problems": "征地未完成",
              "coordination_requests": "请协调供电", "plausibility_note": ""}
    with transaction.atomic():
        client.post("/projects/bulk/" + query(4), {
            "rows-TOTAL_FORMS": "1", "rows-INITIAL_FORMS": "1", "rows-0-project": str(project.pk),
            "rows-0-version": "0", **{f"rows-0-{k}": v for k, v in values.items()}, "save": "1"})
        by_bulk_page = report_values(project, 4)
        transaction.set_rollback(True)
    assert by_bulk_page and by_bulk_page["completed_ytd"] == Decimal("140.5")

    book = download(client, 4)
    fill(book, "P-own", **{"本月完成投资（万元）": 120.5, "形象进度": "主体结构施工", "存在问题": "征地未完成",
                           "需协调事项": "请协调供电", "开工节点实际日期": dt.datetime(2025, 4, 8)})
    before = database_state()
    preview = upload(client, book, 4)
    page = preview.content.decode()
    assert preview.status_code == 200 and database_state() == before
    assert "将保存1行" in page and "120.50" in page and "2025-04-08" in page
    assert "累计完成（万元）" in page and "20.00 → 140.50" in page  # against last month
    done = confirm(client, preview, 4)
    assert done.status_code == 302
    assert report_values(project, 4) == by_bulk_page
    milestone.refresh_from_db()
    assert milestone.actual_date == dt.date(2025, 4, 8) and milestone.version == 2
    assert SheetReturn.objects.get().saved == 1


def test_submitting_from_the_sheet_and_the_return_is_seen_on_the_month_page(client, world):
    client.force_login(world.users["editor"])
    book = download(client, 4)
    fill(book, "P-own", **{"本月完成投资（万元）": 30, "形象进度": "桩基施工"})
    preview = upload(client, book, 4)
    confirm(client, preview, 4, action="submit")
    assert report_values(world.projects["own"], 4)["status"] == "submitted"
    sheet_return = SheetReturn.objects.get()
    assert (sheet_return.submitted, sheet_return.uploaded_by, sheet_return.file_name) == (True, world.users["editor"], "月报.xlsx")
    client.force_login(world.users["coordinator"])
    page = client.get(f"/projects/months/{YEAR}/4/").content.decode()
    assert "提交1个" in page and "未回传" in page  # one department returned, the other not


def test_a_row_changed_since_the_download_is_refused_and_nothing_is_saved(client, world):
    client.force_login(world.users["editor"])
    book = download(client, 3)
    fill(book, "P-own", **{"本月完成投资（万元）": 7})
    draft = world.drafts["own"]
    MonthlyReport.objects.filter(pk=draft.pk).update(progress_text="他人修改", version=draft.version + 1)
    before = database_state()
    preview = upload(client, book, 3)
    assert preview.status_code == 400 and database_state() == before
    assert "已被他人修改" in preview.content.decode() and 'name="confirm"' not in preview.content.decode()


def test_rows_of_another_department_or_added_by_hand_are_refused(client, world):
    client.force_login(world.users["editor"])
    book = download(client, 4)
    sheet = book.worksheets[0]
    fill(book, "P-own", **{"本月完成投资（万元）": 1})
    sheet.append(["P-other", "项目other", None, None, None, 5])
    sheet.append(["NEW-1", "表中新加的项目", None, None, None, 5])
    before = database_state()
    page = upload(client, book, 4).content.decode()
    assert database_state() == before
    assert page.count("不在本单位本月的填报表中") == 2 and "将保存1行，不变0行，有误2行" in page


def test_a_closed_month_or_a_submitted_row_is_refused_on_its_row(client, world):
    client.force_login(world.users["editor"])
    book = download(client, 2)  # month 2 is submitted: its row is read-only
    fill(book, "P-own", **{"本月完成投资（万元）": 99})
    assert "已不能修改" in upload(client, book, 2).content.decode()

    book = download(client, 4)
    fill(book, "P-own", **{"本月完成投资（万元）": 5})
    PeriodLock.objects.create(year=YEAR, month=4, locked_by=world.users["coordinator"])
    before = database_state()
    response = upload(client, book, 4)
    assert response.status_code == 400 and database_state() == before
    assert "已不能修改" in response.content.decode()


def test_a_sheet_of_another_month_or_file_is_refused_with_its_reason(client, world):
    client.force_login(world.users["editor"])
    book = download(client, 4)
    response = upload(client, book, 5)
    assert response.status_code == 302
    message = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("4月的表，不是本页的" in m for m in message)
    plain = openpyxl.Workbook()
    plain.active.append(["项目编号", "本月完成投资（万元）", "版本（请勿修改）"])
    response = upload(client, plain, 4)
    assert any("不是本平台下载的月报填报表" in str(m) for m in client.get(response["Location"]).context["messages"])
    response = client.post(UPLOAD + query(4), {"step": "upload", "file": SimpleUploadedFile("x.xlsx", b"%PDF-1.4")})
    assert any("PDF" in str(m) for m in client.get(response["Location"]).context["messages"])


def test_bad_cells_are_named_and_typed_values_can_be_corrected(client, world):
    client.force_login(world.users["editor"])
    book = download(client, 4)
    fill(book, "P-own", **{"本月完成投资（万元）": "一百", "开工节点实际日期": "下月"})
    page = upload(client, book, 4).content.decode()
    assert "本月完成投资（万元）：“一百”不是金额" in page and "开工节点实际日期：“下月”不是日期" in page


def test_a_stale_confirm_writes_nothing(client, world):
    client.force_login(world.users["editor"])
    book = download(client, 3)
    fill(book, "P-own", **{"本月完成投资（万元）": 8})
    preview = upload(client, book, 3)
    # the coordinator returns the draft's month to someone else's edit after the preview
    draft = world.drafts["own"]
    MonthlyReport.objects.filter(pk=draft.pk).update(problems="统筹补充", version=draft.version + 1)
    before = database_state()
    response = confirm(client, preview, 3)
    assert response.status_code == 400 and database_state() == before


def test_the_coordinator_downloads_every_departments_sheet_in_one_zip(client, world):
    client.force_login(world.users["coordinator"])
    response = client.get(f"/projects/months/{YEAR}/4/sheets.zip")
    assert response.status_code == 200 and "filename*=" in response["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == 2 and all(name.startswith("2025年4月重点项目月报填报表") for name in names)
    client.force_login(world.users["editor"])
    assert client.get(f"/projects/months/{YEAR}/4/sheets.zip").status_code == 403


def test_the_service_reads_a_sheet_against_what_is_stored_now(world):
    from portfolio.periods import Period
    from projects.selectors import month_sheet

    sheet = month_sheet(world.users["editor"], world.projects["own"].lead_department, Period(YEAR, 4),
                        with_milestones=True)
    book = openpyxl.load_workbook(io.BytesIO(monthly.write_month_sheet(sheet, user=world.users["editor"])))
    fill(book, "P-own", **{"本月完成投资（万元）": "1.2亿"})
    read = monthly.read_upload(saved(book), name="a.xlsx", sheet=sheet)
    assert [(c.label, c.old, c.new) for c in read.rows[0].stored] == [("本月完成投资（万元）", "—", "12,000.00")]
    assert read.rows[0].data["completed_month"] == Decimal("12000")
    assert Project.objects.count() == 2 and Milestone.objects.count() == 2
