#include "intake-svc/intake_report.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/report/report_codes.h"
#include "frontdoor/intake/v1/intake.pb.h"

namespace frontdoor::intake {

using report::ChannelCode;
using report::kCodeUnknown;
using report::ServiceCode;

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
  return absl::OkStatus();
}

}  // namespace frontdoor::intake
