#include "common/report/report_files.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "xlsxwriter.h"

namespace frontdoor::report {
namespace {

constexpr char kReportTitle[] = "frontdoor: report for commissioners";
constexpr char kSuppressionRule[] =
    "Counts from 1 to 4 are shown as <5; [c] hides a figure that would "
    "reveal one of them.";
// Excel's longest sheet name.
constexpr size_t kMaxSheetName = 31;
constexpr double kLabelColumnWidth = 40;
constexpr double kFigureColumnWidth = 14;

std::string DayText(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string CsvField(absl::string_view text) {
  if (text.find_first_of(",\"\r\n") == absl::string_view::npos) {
    return std::string(text);
  }
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
}

void CsvLine(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  out += "\r\n";
}

std::vector<std::pair<std::string, std::string>> AboutLines(
    const Document& d) {
  return {{"Report", kReportTitle},
          {"Period", d.period_name},
          {"First day", DayText(d.period.first)},
          {"Last day", DayText(d.period.last)},
          {"Service", std::string(d.filter->title)},
          {"Small numbers", kSuppressionRule}};
}

google::protobuf::Value EntryValue(const Entry& e) {
  google::protobuf::Value v;
  // A percentage or a decimal keeps its text; counts are numbers.
  if (e.number.has_value() && e.text.find('%') == std::string::npos) {
    v.set_number_value(*e.number);
  } else {
    v.set_string_value(e.text);
  }
  return v;
}

google::protobuf::Value Text(absl::string_view s) {
  google::protobuf::Value v;
  v.set_string_value(std::string(s));
  return v;
}

}  // namespace

std::string ReportFileName(const Document& document, absl::string_view format) {
  std::string period = document.period_name;
  for (char& c : period) {
    if (c == ' ') c = '-';
  }
  return absl::StrCat("frontdoor-report-", period, "-", document.filter->code,
                      ".", format);
}

absl::string_view ReportMediaType(absl::string_view format) {
  if (format == kFormatCsv) return "text/csv; charset=utf-8";
  if (format == kFormatXlsx) {
    return "application/"
           "vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  return "application/json";
}

std::string ReportCsv(const Document& document) {
  std::string out;
  for (const auto& [name, value] : AboutLines(document)) {
    CsvLine(out, {name, value});
  }
  for (const Table& t : document.tables) {
    out += "\r\n";
    CsvLine(out, {t.title});
    if (!t.note.empty()) CsvLine(out, {t.note});
    CsvLine(out, t.header);
    for (size_t i = 0; i < t.rows.size(); ++i) {
      std::vector<std::string> fields{t.row_labels[i]};
      for (const Entry& e : t.rows[i]) fields.push_back(e.text);
      CsvLine(out, fields);
    }
  }
  return out;
}

absl::StatusOr<std::string> ReportXlsx(const Document& document) {
  // libxlsxwriter writes to a file: a private one, read back and removed.
  std::string path =
      (std::filesystem::temp_directory_path() / "frontdoor-report-XXXXXX")
          .string();
  const int fd = mkstemp(path.data());
  if (fd < 0) return absl::InternalError("cannot make a temporary file");
  close(fd);
  lxw_workbook* book = workbook_new(path.c_str());
  if (book == nullptr) {
    std::filesystem::remove(path);
    return absl::InternalError("cannot start the workbook");
  }
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  lxw_format* wrap = workbook_add_format(book);
  format_set_text_wrap(wrap);

  lxw_worksheet* about = workbook_add_worksheet(book, "About");
  worksheet_set_column(about, 0, 0, kFigureColumnWidth, nullptr);
  worksheet_set_column(about, 1, 1, 2 * kLabelColumnWidth, wrap);
  lxw_row_t r = 0;
  for (const auto& [name, value] : AboutLines(document)) {
    worksheet_write_string(about, r, 0, name.c_str(), bold);
    worksheet_write_string(about, r, 1, value.c_str(), nullptr);
    ++r;
  }
  for (const Table& t : document.tables) {
    const std::string name = t.id.substr(0, kMaxSheetName);
    lxw_worksheet* sheet = workbook_add_worksheet(book, name.c_str());
    worksheet_set_column(sheet, 0, 0, kLabelColumnWidth, nullptr);
    worksheet_set_column(sheet, 1, static_cast<lxw_col_t>(t.header.size()),
                         kFigureColumnWidth, nullptr);
    lxw_row_t row = 0;
    worksheet_write_string(sheet, row++, 0, t.title.c_str(), bold);
    if (!t.note.empty()) {
      worksheet_write_string(sheet, row++, 0, t.note.c_str(), nullptr);
    }
    for (size_t c = 0; c < t.header.size(); ++c) {
      worksheet_write_string(sheet, row, static_cast<lxw_col_t>(c),
                             t.header[c].c_str(), bold);
    }
    ++row;
    for (size_t i = 0; i < t.rows.size(); ++i, ++row) {
      const bool total = t.totals && i + 1 == t.rows.size();
      worksheet_write_string(sheet, row, 0, t.row_labels[i].c_str(),
                             total ? bold : nullptr);
      for (size_t c = 0; c < t.rows[i].size(); ++c) {
        const Entry& e = t.rows[i][c];
        const auto col = static_cast<lxw_col_t>(c + 1);
        if (e.number.has_value() && e.text.find('%') == std::string::npos) {
          worksheet_write_number(sheet, row, col, *e.number, nullptr);
        } else {
          worksheet_write_string(sheet, row, col, e.text.c_str(), nullptr);
        }
      }
    }
  }
  const lxw_error closed = workbook_close(book);
  if (closed != LXW_NO_ERROR) {
    std::filesystem::remove(path);
    return absl::InternalError(
        absl::StrCat("cannot write the workbook: ", lxw_strerror(closed)));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::filesystem::remove(path);
  return bytes.str();
}

std::string ReportJson(const Document& document) {
  google::protobuf::Struct root;
  auto& f = *root.mutable_fields();
  f["period"] = Text(document.period_name);
  f["first_day"] = Text(DayText(document.period.first));
  f["last_day"] = Text(DayText(document.period.last));
  f["service"] = Text(document.filter->code);
  f["suppression"] = Text(kSuppressionRule);
  google::protobuf::ListValue& tables = *f["tables"].mutable_list_value();
  for (const Table& t : document.tables) {
    google::protobuf::Struct table;
    auto& tf = *table.mutable_fields();
    tf["id"] = Text(t.id);
    tf["title"] = Text(t.title);
    tf["note"] = Text(t.note);
    tf["totals"].set_bool_value(t.totals);
    google::protobuf::ListValue& header = *tf["header"].mutable_list_value();
    for (const std::string& h : t.header) *header.add_values() = Text(h);
    google::protobuf::ListValue& rows = *tf["rows"].mutable_list_value();
    for (size_t i = 0; i < t.rows.size(); ++i) {
      google::protobuf::Struct row;
      (*row.mutable_fields())["label"] = Text(t.row_labels[i]);
      google::protobuf::ListValue& entries =
          *(*row.mutable_fields())["entries"].mutable_list_value();
      for (const Entry& e : t.rows[i]) *entries.add_values() = EntryValue(e);
      *rows.add_values()->mutable_struct_value() = std::move(row);
    }
    *tables.add_values()->mutable_struct_value() = std::move(table);
  }
  google::protobuf::ListValue& charts = *f["charts"].mutable_list_value();
  for (const Chart& c : document.charts) {
    google::protobuf::Struct chart;
    auto& cf = *chart.mutable_fields();
    cf["id"] = Text(c.id);
    cf["title"] = Text(c.title);
    cf["unit"] = Text(c.unit);
    google::protobuf::ListValue& bars = *cf["bars"].mutable_list_value();
    for (const auto& [label, entry] : c.bars) {
      google::protobuf::Struct bar;
      (*bar.mutable_fields())["label"] = Text(label);
      (*bar.mutable_fields())["entry"] = EntryValue(entry);
      *bars.add_values()->mutable_struct_value() = std::move(bar);
    }
    *charts.add_values()->mutable_struct_value() = std::move(chart);
  }
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(root, &out, options);
  return out;
}

absl::StatusOr<std::string> ReportFile(const Document& document,
                                       absl::string_view format) {
  if (format == kFormatCsv) return ReportCsv(document);
  if (format == kFormatXlsx) return ReportXlsx(document);
  if (format == kFormatJson) return ReportJson(document);
  return absl::InvalidArgumentError(absl::StrCat(
      "format must be csv, xlsx or json, not \"", format, "\""));
}

}  // namespace frontdoor::report
