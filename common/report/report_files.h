#pragma once

// A commissioners' report (report_document.h) as a file to download or
// publish: CSV, an XLSX workbook, or JSON. Each holds the same tables with
// the same suppressed entries as the page, so a figure never differs
// between them; numbers are numbers in the workbook and in JSON, and a
// suppressed entry is its text ("<5", "[c]").

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/report/report_document.h"

namespace frontdoor::report {

// The formats, by the names the console's links and frontdoorctl's
// --format use.
inline constexpr char kFormatCsv[] = "csv";
inline constexpr char kFormatXlsx[] = "xlsx";
inline constexpr char kFormatJson[] = "json";

// A file's name and media type, for downloads:
// "frontdoor-report-2026-Q3-all.csv".
std::string ReportFileName(const Document& document, absl::string_view format);
absl::string_view ReportMediaType(absl::string_view format);

// RFC 4180 CSV (CRLF line ends, UTF-8): a heading block (the report, the
// period, the service, the suppression rule), then each table as its
// title, its note, its header and its rows, a blank line between tables.
std::string ReportCsv(const Document& document);

// An XLSX workbook: an "About" sheet, then one sheet per table (named by
// its id). INTERNAL when the library cannot write it.
absl::StatusOr<std::string> ReportXlsx(const Document& document);

// JSON: {"period", "first_day", "last_day", "service", "tables": [{"id",
// "title", "note", "header", "rows": [{"label", "entries"}], "totals"}],
// "charts": [{"id", "title", "unit", "bars": [{"label", "entry"}]}]}; an
// entry is a number, or a string when suppressed or not a number.
std::string ReportJson(const Document& document);

// The file of `format` (one of kFormat*); INVALID_ARGUMENT naming the
// format otherwise.
absl::StatusOr<std::string> ReportFile(const Document& document,
                                       absl::string_view format);

}  // namespace frontdoor::report
