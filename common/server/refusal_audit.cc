#include "common/server/refusal_audit.h"

#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/audit/refusals.h"
#include "common/logging/logging.h"
#include "common/tls/authenticate.h"

namespace frontdoor::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

// The limiter's key for every unregistered identity: not an agency id (ids
// have no parentheses), so it cannot share an agency's bucket.
constexpr char kUnregisteredBucket[] = "(unregistered)";
// The metric label of unregistered identities, as frontdoor_not_found_total.
constexpr char kUnregisteredLabel[] = "unregistered";

class RefusalAuditInterceptor final : public grpc::experimental::Interceptor {
 public:
  RefusalAuditInterceptor(RefusalAuditInterceptorFactory& factory,
                          ServerRpcInfo& info)
      : factory_(factory), info_(info) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() ==
            grpc::StatusCode::PERMISSION_DENIED) {
      // The status goes out once the row is written.
      factory_.Audit(info_, [methods] { methods->Proceed(); });
      return;
    }
    methods->Proceed();
  }

 private:
  RefusalAuditInterceptorFactory& factory_;
  ServerRpcInfo& info_;
};

// The method's path for the audit details: gRPC only calls handlers of
// registered methods, whose paths are letters, digits, '.', '_' and '/';
// anything else is not echoed.
std::string MethodOf(const ServerRpcInfo& info) {
  std::string_view method = info.method() == nullptr ? "" : info.method();
  for (char c : method) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '/') {
      return "unknown";
    }
  }
  return std::string(method);
}

}  // namespace

RefusalAuditInterceptorFactory::RefusalAuditInterceptorFactory(
    store::Store& store, const crypto::KeyRing& keys,
    tls::ReloadingAgencyRegistry& agencies, const Clock& clock,
    prometheus::Registry& metrics)
    : store_(store),
      keys_(keys),
      agencies_(agencies),
      clock_(clock),
      limiter_(RateLimitPolicy{{kRefusalAuditBucket, kRefusalAuditBucket}, {}},
               clock),
      unaudited_(prometheus::BuildCounter()
                     .Name("frontdoor_refusals_unaudited_total")
                     .Help("Calls refused PERMISSION_DENIED and not audited "
                           "because the calling agency (or, together, every "
                           "unregistered identity) was over its bucket of "
                           "audited refusals, by agency id.")
                     .Register(metrics)) {}

grpc::experimental::Interceptor*
RefusalAuditInterceptorFactory::CreateServerInterceptor(ServerRpcInfo* info) {
  return new RefusalAuditInterceptor(*this, *info);
}

void RefusalAuditInterceptorFactory::Audit(ServerRpcInfo& info,
                                           std::function<void()> proceed) {
  audit::Entry entry;
  entry.at = clock_.Now();
  entry.action = audit::kActionCallRefused;
  entry.details = absl::StrCat("{\"method\":\"", MethodOf(info), "\"}");
  std::string bucket = kUnregisteredBucket;
  std::string label = kUnregisteredLabel;
  entry.reason = audit::kReasonUnregistered;
  if (info.server_context() != nullptr) {
    absl::StatusOr<Caller> caller =
        tls::AuthenticateCaller(*info.server_context(), agencies_);
    if (caller.ok()) {
      entry.actor_agency = caller->agency_id;
      entry.actor_person = audit::ActorOf(*caller);
      entry.reason = audit::kReasonRoleMissing;
      bucket = label = caller->agency_id;
    }
  }
  if (!limiter_.TryAcquire(bucket, CallKind::kWrite).ok()) {
    unaudited_.Add({{"agency", label}}).Increment();
    proceed();
    return;
  }
  store_.Write(
      [this, entry = std::move(entry)](store::Tx& tx) {
        return audit::Append(tx, keys_, entry);
      },
      [proceed = std::move(proceed)](absl::Status status) {
        if (!status.ok()) {
          Log(Level::kWarning, "call.refusal_audit_failed",
              {{"code", absl::StatusCodeToString(status.code())}});
        }
        proceed();
      });
}

}  // namespace frontdoor::server
