#include "intake-svc/intake_report.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/report/report_codes.h"
#include "common/status/errors.h"
#include "frontdoor/intake/v1/intake.pb.h"

namespace frontdoor::intake {
namespace {

using report::ChannelCode;
using report::kCodeUnknown;
using report::ServiceCode;

// The reason of a rejection whose error names no field.
constexpr char kWholeRequest[] = "request";

}  // namespace

std::string RejectionReason(const absl::Status& invalid) {
  const std::vector<FieldViolation> violations = GetFieldViolations(invalid);
  if (violations.empty() || violations.front().field.empty()) {
    return kWholeRequest;
  }
  std::string out;
  bool in_brackets = false;
  for (char c : violations.front().field) {
    if (c == '[') in_brackets = true;
    if (!in_brackets) out += c;
    if (c == ']') in_brackets = false;
  }
  return out;
}

absl::Status RecordRejection(store::Tx& tx, absl::Time at,
                             const std::string& source, int64_t channel,
                             const std::string& reason) {
  absl::StatusOr<int64_t> inserted = tx.Exec(
      "INSERT INTO rejections (rejected_at_us, source, channel, reason) "
      "VALUES ($1, $2, $3, $4)",
      {absl::ToUnixMicros(at), source, channel, reason});
  return inserted.status();
}

absl::Status AddIntakeFigures(store::Tx& tx, absl::Time start, absl::Time end,
                              report::ReportBuilder& out) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT status, front_door, channel, district, source, is_repeat, "
      "receipt FROM referrals "
      "WHERE received_at_us >= $1 AND received_at_us < $2",
      {absl::ToUnixMicros(start), absl::ToUnixMicros(end)});
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    const int64_t status = row.Int(0);
    const std::string service = ServiceCode(row.Int(1));
    const std::string& district = row.Text(3);
    const std::string source = row.Text(4).empty() ? kCodeUnknown : row.Text(4);
    out.Count(kMeasureReceived, {{"channel", ChannelCode(row.Int(2))},
                                 {"district", district},
                                 {"service", service},
                                 {"source", source}});
    if (status == v1::REFERRAL_STATUS_ACCEPTED) {
      out.Count(kMeasureAccepted, {{"district", district}, {"service", service}});
    } else if (status == v1::REFERRAL_STATUS_RETURNED) {
      v1::Receipt receipt;
      if (!receipt.ParseFromString(row.Text(6))) {
        return absl::DataLossError("a stored receipt does not parse");
      }
      for (const v1::ReturnReason& reason : receipt.return_reasons()) {
        out.Count(kMeasureReturned,
                  {{"district", district},
                   {"reason", absl::AsciiStrToLower(reason.code())}});
      }
    }
    if (row.Int(5) != 0) {
      out.Count(kMeasureRepeats, {{"district", district}, {"service", service}});
    }
  }
  absl::StatusOr<std::vector<store::Row>> rejected = tx.Query(
      "SELECT source, channel, reason FROM rejections "
      "WHERE rejected_at_us >= $1 AND rejected_at_us < $2",
      {absl::ToUnixMicros(start), absl::ToUnixMicros(end)});
  if (!rejected.ok()) return rejected.status();
  for (const store::Row& row : *rejected) {
    out.Count(kMeasureRejected, {{"channel", ChannelCode(row.Int(1))},
                                 {"reason", row.Text(2)},
                                 {"source", row.Text(0)}});
  }
  return absl::OkStatus();
}

}  // namespace frontdoor::intake
