"""Files people really send: each gets a clear message naming what is wrong, or is read right; none changes a thing."""

import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portfolio.sheets import SheetError
from projects.imports import services
from projects.imports.template import write_template
from projects.models import Programme, Project

from .helpers import HEADERS, project_row, stored_state, workbook

KIND = services.KINDS["projects"]


def read(data, name="清单.xlsx", chosen=None):
    return services.read(KIND, data, name=name, chosen=chosen)


def preview(data, user, name="清单.xlsx", chosen=None):
    table, mapping = read(data, name, chosen)
    return services.preview(KIND, table, mapping, acting_user=user, file_name=name)


def empty_rows_xlsx(rows: int) -> bytes:
    """A workbook whose sheet holds a header and then ``rows`` formatted but empty rows (megabytes of XML)."""
    base = workbook([HEADERS])
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                empty = "".join(f'<row r="{n}"><c r="A{n}" s="0"/><c r="B{n}" s="0"/></row>' for n in range(2, rows + 2))
                data = data.replace(b"</sheetData>", empty.encode() + b"</sheetData>")
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"%PDF-1.7\n1 0 obj", "清单.xlsx", "是 PDF 文件，不是 Excel 工作簿"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "清单.xls", "旧版 Excel（.xls）"),
    (b"PK\x03\x04broken", "清单.xlsx", "已损坏"),
    (b"hello", "清单.docx", "不是 Excel 工作簿（.xlsx）或 CSV 文件"),
    (b"", "清单.xlsx", "是空文件"),
])
def test_files_of_another_kind_are_refused_by_name(report_data, data, name, message):
    with pytest.raises(SheetError) as refused:
        read(data, name)
    assert message in refused.value.message and name in refused.value.message


def test_an_oversized_file_is_refused(report_data, settings):
    settings.PORTFOLIO_IMPORT_MAX_BYTES = 1000
    with pytest.raises(SheetError, match="超过"):
        read(workbook([HEADERS, *[project_row(f"X{i}", f"项目{i}") for i in range(100)]]))


def test_megabytes_of_empty_rows_are_refused_or_dropped_quickly(report_data, coordinator, settings):
    data = empty_rows_xlsx(150_000)  # about 10 MB of sheet XML
    assert len(zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")) > 9_000_000
    settings.PORTFOLIO_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    plan = preview(data, coordinator)
    assert plan.errors == ["表头行（第 1 行）以下没有数据行。"] and not plan.rows
    settings.PORTFOLIO_IMPORT_MAX_UNPACKED_BYTES = 5 * 1024 * 1024  # a stricter site refuses the unpacked size
    with pytest.raises(SheetError, match="解压后过大"):
        read(data)


def test_a_formula_without_its_saved_result_is_refused_and_one_with_it_is_read(report_data, coordinator):
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active.append([*project_row("F-1", "公式项目")[:8], "=1000*12", 3000])
    out = io.BytesIO()
    book.save(out)  # openpyxl saves no computed results, as a file built by a script
    with pytest.raises(SheetError) as refused:
        read(out.getvalue())
    assert "I2" in refused.value.message and "粘贴为数值" in refused.value.message

    # the same file as Excel saves it: the formula with its cached result
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    cached = io.BytesIO()
    with zipfile.ZipFile(cached, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1000*12</f><v></v>", b"<f>1000*12</f><v>12000</v>").replace(
                    b"<f>1000*12</f><v />", b"<f>1000*12</f><v>12000</v>")
            target.writestr(item, data)
    plan = preview(cached.getvalue(), coordinator)
    assert {(c.label, c.new) for c in plan.rows[0].changes} >= {("总投资（万元）", "12,000.00")}


def test_merged_cells_under_the_header_are_refused_and_a_merged_title_is_fine(report_data, coordinator):
    rows = [HEADERS, project_row("M-1", "甲"), project_row("M-2", "乙")]
    with pytest.raises(SheetError) as refused:
        read(workbook(rows, merge="F2:F3"))
    assert "F2:F3" in refused.value.message and "合并单元格" in refused.value.message
    titled = workbook(rows, title_rows=[["白云区2025年重点项目清单"], []], merge="A1:L1")
    table, _mapping = read(titled)
    assert table.header_row == 3 and len(table.rows) == 2


def test_the_header_row_is_found_below_a_title_and_an_unknown_header_is_mapped(report_data, coordinator):
    renamed = ["编号", "工程名称", "所属计划", "责任单位", "总投资（亿元）"]
    data = workbook([renamed, ["R-1", "改名项目", "2025年区重点项目", "广州市白云区发展和改革局", "2.5"]],
                    title_rows=[["附件1"], ["白云区2025年重点项目表"], []])
    table, mapping = read(data)
    assert table.header_row == 4 and not mapping.complete
    assert [column.key for column in mapping.missing] == ["name"] and mapping.unknown == ["工程名称"]
    plan = preview(data, coordinator, chosen={"工程名称": "name"})
    assert plan.rows[0].kind == "new"
    assert ("总投资（万元）", "25,000.00") in {(c.label, c.new) for c in plan.rows[0].changes}


def test_missing_required_columns_and_rows_without_data_are_named(report_data, coordinator):
    plan = preview(workbook([["项目编号", "总投资"], ["A-1", 100]]), coordinator)
    assert plan.errors == ["缺少必填列：项目名称。"]
    plan = preview(workbook([HEADERS]), coordinator)
    assert plan.errors == ["表头行（第 1 行）以下没有数据行。"]


def test_duplicate_codes_in_the_file_are_errors_on_their_rows(report_data, coordinator):
    plan = preview(workbook([HEADERS, project_row("D-1", "甲"), project_row("D-1", "乙")]), coordinator)
    assert [row.kind for row in plan.rows] == ["new", "error"]
    assert "D-1" in plan.rows[1].errors[0]


@pytest.mark.parametrize(("typed", "stored"), [
    ("12,000", "12,000.00"), ("１２０００", "12,000.00"), ("12000万元", "12,000.00"), ("1.2亿元", "12,000.00"),
    ("1.2亿", "12,000.00"), (12000.5, "12,000.50"), ("12 000", "12,000.00"),
])
def test_amounts_with_units_and_separators_are_read_in_wan(report_data, coordinator, typed, stored):
    plan = preview(workbook([HEADERS, project_row("A-1", "金额项目", total=typed, plan=None)]), coordinator)
    assert ("总投资（万元）", stored) in {(c.label, c.new) for c in plan.rows[0].changes}


@pytest.mark.parametrize("typed", ["1.200,5", "12,34", "十二万", "1.2千万", "—"])
def test_amounts_that_cannot_be_read_for_sure_are_refused(report_data, coordinator, typed):
    plan = preview(workbook([HEADERS, project_row("A-1", "金额项目", total=typed, plan=None)]), coordinator)
    assert plan.rows[0].kind == "error"
    assert plan.rows[0].errors[0].startswith(f"总投资（万元）：“{typed}”不是金额")


@pytest.mark.parametrize(("typed", "stored"), [
    ("2025-03-15", "2025-03-15"), ("2025/3/15", "2025-03-15"), ("2025年3月15日", "2025-03-15"),
    ("2025年3月", "2025-03-01"), ("2025.3", "2025-03-01"), (45731, "2025-03-15"),
])
def test_dates_as_text_or_day_numbers_are_read(report_data, coordinator, typed, stored):
    plan = preview(workbook([HEADERS, project_row("T-1", "日期项目", start=typed, end=None)]), coordinator)
    assert ("计划开工", stored) in {(c.label, c.new) for c in plan.rows[0].changes}


@pytest.mark.parametrize("typed", ["2025-13-01", "三月", "2025", "Q3"])
def test_dates_that_are_not_dates_are_refused(report_data, coordinator, typed):
    plan = preview(workbook([HEADERS, project_row("T-1", "日期项目", start=typed, end=None)]), coordinator)
    assert plan.rows[0].errors[0].startswith(f"计划开工：“{typed}”不是日期")


def test_control_characters_are_dropped_from_text(report_data, coordinator):
    text = ",".join(HEADERS) + "\n" + ",".join(str(v) for v in project_row("C-1", "控制\x0b字符项目", co=""))
    plan = preview(text.encode(), coordinator, name="清单.csv")
    assert plan.rows[0].name == "控制字符项目"


def test_a_csv_in_gbk_is_read(report_data, coordinator):
    text = ",".join(HEADERS) + "\n" + ",".join(str(v) for v in project_row("CSV-1", "CSV项目", co=""))
    plan = preview(text.encode("gb18030"), coordinator, name="清单.csv")
    assert [row.kind for row in plan.rows] == ["new"]


def test_the_template_round_trips(report_data, coordinator):
    template = write_template(KIND)
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]][:2] == ["项目编号", "项目名称*"]
    lists = {str(rule.sqref).split(":")[0][:1]: rule.formula1 for rule in sheet.data_validations.dataValidation}
    assert set(lists) == {"C", "D", "E", "F", "G", "H"}  # programme, category, status, lead, co, town
    guide = book["填写说明"]
    assert [row[0].value for row in guide.iter_rows(min_row=2, max_row=len(KIND.columns) + 1)] == [
        str(column.label) for column in KIND.columns]
    assert book["选项"].sheet_state == "hidden"
    assert "产业项目" in [cell.value for cell in book["选项"]["D"]]

    # as downloaded: the example row is recognised and ignored
    plan = preview(template, coordinator, name="模板.xlsx")
    assert plan.errors == ["除模板的示例行外没有数据行。"] and plan.notes == ["第 2 行是模板中的示例行，已忽略。"]
    # filled: the rows under the example are imported
    filled = {"code": "TPL-1", "name": "模板项目", "programme": "2025年区重点项目", "category": "交通基础设施",
              "status": "前期工作", "lead_department": "白云区民政局", "town": "钟落潭镇", "total_investment": 5000,
              "annual_plan": 1000, "planned_start": "2025-05-01", "planned_completion": "2027-01-01"}
    sheet.append([filled.get(column.key) for column in KIND.columns])
    out = io.BytesIO()
    book.save(out)
    before = stored_state()
    table, mapping = read(out.getvalue(), "模板.xlsx")
    plan = services.apply(KIND, table, mapping, acting_user=coordinator, file_name="模板.xlsx")
    assert plan.applied and [row.kind for row in plan.rows] == ["new"] and stored_state() != before
    project = Project.objects.get(code="TPL-1")
    assert (project.category, project.status, project.lead_department.name) == ("transport", "preparation", "白云区民政局")


def test_the_command_previews_applies_and_refuses(report_data, coordinator, tmp_path, superuser):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(workbook([HEADERS, project_row("CMD-1", "命令行项目", programme="")]))
    out = io.StringIO()
    call_command("import_projects", str(path), "--dry-run", "--programme", "2025-city", stdout=out)
    assert "第2行 新增 命令行项目" in out.getvalue() and not Project.objects.filter(code="CMD-1").exists()
    call_command("import_projects", str(path), "--programme", "2025-city", "--user", coordinator.username, stdout=out)
    assert Project.objects.get(code="CMD-1").programme == Programme.objects.get(year=2025, level="city")

    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(workbook([HEADERS, project_row("CMD-2", "甲", total=1, plan=2)]))
    before = stored_state()
    with pytest.raises(CommandError, match="导入未写入任何内容"):
        call_command("import_projects", str(bad), stdout=io.StringIO())
    assert stored_state() == before
    pdf = tmp_path / "假.xlsx"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError, match="PDF"):
        call_command("import_projects", str(pdf))

    template = tmp_path / "模板.xlsx"
    call_command("import_projects", "--template", str(template), stdout=io.StringIO())
    assert openpyxl.load_workbook(template).sheetnames == ["项目清单", "选项", "填写说明"]


def test_headers_and_the_template_are_read_whatever_the_language(report_data, coordinator):
    from django.utils import translation

    with translation.override("en"):
        english = write_template(KIND)
        assert openpyxl.load_workbook(io.BytesIO(english)).worksheets[0]["B1"].value == "Project name*"
        chinese_sheet = preview(workbook([HEADERS, project_row("L-1", "语言项目")]), coordinator)
        assert [row.kind for row in chinese_sheet.rows] == ["new"]
    plan = preview(english, coordinator)  # an English template, uploaded in Chinese: its example still ignored
    assert plan.notes == ["第 2 行是模板中的示例行，已忽略。"]


@pytest.mark.parametrize(("typed", "stored"), [("2.5", "25,000.00"), (2.5, "25,000.00"), ("2.5亿元", "25,000.00"),
                                               ("3000万元", "3,000.00")])
def test_a_column_headed_in_yi_is_read_in_yi_unless_the_cell_says_otherwise(report_data, coordinator, typed, stored):
    plan = preview(workbook([["项目编号", "项目名称", "总投资（亿元）"], ["Y-1", "亿元项目", typed]]), coordinator)
    assert ("总投资（万元）", stored) in {(c.label, c.new) for c in plan.rows[0].changes}


def test_a_bad_amount_under_a_yi_header_is_quoted_as_typed(report_data, coordinator):
    plan = preview(workbook([["项目编号", "项目名称", "总投资（亿元）"], ["Y-1", "亿元项目", "十亿"]]), coordinator)
    assert plan.rows[0].errors[0].startswith("总投资（万元）：“十亿”不是金额")
