"""What every call to frontdoor needs, for the examples beside this file.

- A channel over mutual TLS: the agency's private key and certificate (issued
  by the suite's CA, URI SAN spiffe://frontdoor/agency/<id>), and the suite's
  CA certificate to check the server's.
- Request metadata: the person acting ("frontdoor-actor", required, for the
  audit trail) and a W3C "traceparent" (the service logs its trace id, so the
  suite's operators can find a call you ask them about).
- The error details the suite sends in the "grpc-status-details-bin" trailer
  (a google.rpc.Status): BadRequest field violations with INVALID_ARGUMENT,
  RetryInfo with RESOURCE_EXHAUSTED.
- Exponential back-off with jitter between retries.

The google.rpc and frontdoor modules are generated from the protos (see
README.md: ./generate OUT_DIR, then PYTHONPATH=OUT_DIR).
"""

import random
import secrets

import grpc
from google.rpc import error_details_pb2, status_pb2

# Client keepalive on long-held connections (a notification stream can be
# quiet for hours): a ping every 30 s, the connection dropped when one is not
# answered within 10 s. The suite's servers accept pings at most every 10 s.
KEEPALIVE_TIME_MS = 30_000
KEEPALIVE_TIMEOUT_MS = 10_000

ACTOR_METADATA = "frontdoor-actor"
TRACEPARENT_METADATA = "traceparent"
STATUS_DETAILS_METADATA = "grpc-status-details-bin"


def secure_channel(target, ca_file, cert_file, key_file):
    """A channel to `target` ("host:port") over mutual TLS.

    The files are read at each call, so a channel opened after the agency's
    certificate was renewed uses the new one.
    """
    with open(ca_file, "rb") as f:
        ca = f.read()
    with open(cert_file, "rb") as f:
        cert = f.read()
    with open(key_file, "rb") as f:
        key = f.read()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca, private_key=key, certificate_chain=cert)
    options = [
        ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
        ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
    ]
    return grpc.secure_channel(target, credentials, options)


def new_trace_id():
    """A W3C trace id: 32 lower-case hex digits, not all zero."""
    return secrets.token_hex(16)


def call_metadata(actor, trace_id):
    """The metadata of one call: the person acting and a traceparent.

    Give retries of one operation the same trace id: each attempt gets its
    own span id.
    """
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    return ((ACTOR_METADATA, actor), (TRACEPARENT_METADATA, traceparent))


def status_details(error):
    """The google.protobuf.Any details of a failed call's google.rpc.Status
    (empty when the server sent none)."""
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS_METADATA:
            return list(status_pb2.Status.FromString(value).details)
    return []


def field_violations(error):
    """The google.rpc.BadRequest field violations of an INVALID_ARGUMENT
    answer, as (field, description) pairs. Fields are named by their proto
    path, for example "referral.subject.date_of_birth"."""
    violations = []
    for detail in status_details(error):
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            violations.extend(
                (v.field, v.description) for v in bad_request.field_violations)
    return violations


def retry_delay_seconds(error):
    """RetryInfo.retry_delay of a RESOURCE_EXHAUSTED answer in seconds, or
    None when the answer carries none."""
    for detail in status_details(error):
        retry_info = error_details_pb2.RetryInfo()
        if detail.Unpack(retry_info):
            return retry_info.retry_delay.ToTimedelta().total_seconds()
    return None


class Backoff:
    """Exponential back-off with jitter: each delay is drawn between half
    and all of a cap that doubles from `initial` up to `maximum` seconds."""

    def __init__(self, initial=0.5, maximum=30.0):
        self._initial = initial
        self._maximum = maximum
        self._cap = initial

    def next_delay(self):
        delay = random.uniform(self._cap / 2, self._cap)
        self._cap = min(self._cap * 2, self._maximum)
        return delay

    def reset(self):
        self._cap = self._initial
