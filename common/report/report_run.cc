#include "common/report/report_run.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::report {
namespace {

using google::protobuf::util::TimeUtil;

// The civil day `date` names, if it is a real one.
std::optional<absl::CivilDay> DayOfDate(const google::type::Date& date) {
  const absl::CivilDay day(date.year(), date.month(), date.day());
  if (date.year() < 1 || day.year() != date.year() ||
      day.month() != date.month() || day.day() != date.day()) {
    return std::nullopt;
  }
  return day;
}

google::type::Date DateOf(absl::CivilDay day) {
  google::type::Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

}  // namespace

absl::TimeZone ReportTimeZone() {
  static const absl::TimeZone* const kZone = [] {
    auto* zone = new absl::TimeZone(absl::UTCTimeZone());
    absl::LoadTimeZone(kReportTimeZoneName, zone);
    return zone;
  }();
  return *kZone;
}

absl::StatusOr<Period> PeriodOf(const common::v1::ReportRequest& request) {
  const std::optional<absl::CivilDay> first =
      request.has_first_day() ? DayOfDate(request.first_day()) : std::nullopt;
  if (!first.has_value()) {
    return InvalidArgumentWithViolations(
        "the request is not valid",
        {{"first_day", "required: the period's first day, a real date"}});
  }
  const std::optional<absl::CivilDay> last =
      request.has_last_day() ? DayOfDate(request.last_day()) : std::nullopt;
  if (!last.has_value()) {
    return InvalidArgumentWithViolations(
        "the request is not valid",
        {{"last_day", "required: the period's last day, a real date"}});
  }
  absl::StatusOr<Period> period = MakePeriod(*first, *last);
  if (!period.ok()) {
    return InvalidArgumentWithViolations(
        "the request is not valid",
        {{"last_day", std::string(period.status().message())}});
  }
  return period;
}

common::v1::ReportRequest ReportRequestFor(const Period& period) {
  common::v1::ReportRequest request;
  *request.mutable_first_day() = DateOf(period.first);
  *request.mutable_last_day() = DateOf(period.last);
  return request;
}

absl::Status CheckReportViewer(const Caller& caller) {
  if (caller.HasRole(config::v1::ROLE_REPORT_VIEWER)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "reports are for commissioners and operators (ROLE_REPORT_VIEWER)");
}

void RunReport(store::Store& store, const crypto::KeyRing& keys,
               const Caller& caller, absl::Time now, std::string service,
               const common::v1::ReportRequest& request, AddFigures add,
               ReportDone done) {
  if (absl::Status s = CheckReportViewer(caller); !s.ok()) {
    done(s);
    return;
  }
  absl::StatusOr<Period> period = PeriodOf(request);
  if (!period.ok()) {
    done(period.status());
    return;
  }
  auto response = std::make_shared<common::v1::ReportResponse>();
  response->set_service(service);
  *response->mutable_first_day() = DateOf(period->first);
  *response->mutable_last_day() = DateOf(period->last);
  *response->mutable_computed_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  const Interval interval = InstantsOf(*period, ReportTimeZone());
  store.Write(
      [&keys, caller, now, interval,
       name = PeriodName(*period), add = std::move(add),
       response](store::Tx& tx) -> absl::Status {
        ReportBuilder figures;
        if (absl::Status s = add(tx, interval.start, interval.end, figures);
            !s.ok()) {
          return s;
        }
        response->clear_counts();
        response->clear_durations();
        figures.Fill(*response);
        return audit::Record(
            tx, keys, caller, now,
            {kActionReportRun, "", kReasonReportView, kLawfulBasisReport,
             absl::StrCat("{\"period\":\"", name, "\",\"counts\":",
                          response->counts_size(), ",\"durations\":",
                          response->durations_size(), "}")});
      },
      [response, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
          return;
        }
        done(std::move(*response));
      });
}

}  // namespace frontdoor::report
