#pragma once

#include "absl/status/statusor.h"

namespace frontdoor::server {

// Graceful shutdown, the sequence every main follows:
//
//   int main(int argc, char** argv) {
//     frontdoor::server::PrepareServerProcess();  // first, before any thread
//     ... parse flags, load config, open stores, start ServerHost, relays ...
//     absl::StatusOr<int> signal = frontdoor::server::WaitForShutdownSignal();
//     // 1. host->SetServing(false): probes and load balancers stop sending.
//     // 2. host->Shutdown(deadline): stop accepting, let in-flight calls
//     //    drain until the deadline (config.shutdown_grace_seconds, shorter
//     //    than the pod's terminationGracePeriodSeconds), then cancel them.
//     // 3. Flush the outbox relay (bounded by the remaining grace).
//     // 4. return 0.
//   }
//
// Threads inherit the signal mask of the thread that creates them, so
// blocking in main before any thread starts makes SIGTERM/SIGINT reach only
// sigwait() below, never a gRPC or civetweb thread's default handler.

// Blocks SIGTERM and SIGINT in the calling thread (and threads it creates
// afterwards).
void BlockShutdownSignals();

// The first call of a server's main: BlockShutdownSignals(), and Abseil's
// mutex deadlock detection turned off. Debian's Abseil is built with it on,
// which keeps a lock graph updated on every Mutex acquisition: worth it in
// tests (which keep it), a measurable cost per request in a server.
void PrepareServerProcess();

// Waits for SIGTERM or SIGINT and returns the signal number.
// FAILED_PRECONDITION if BlockShutdownSignals() did not block them in the
// calling thread (the signal could otherwise kill the process instead).
absl::StatusOr<int> WaitForShutdownSignal();

}  // namespace frontdoor::server
