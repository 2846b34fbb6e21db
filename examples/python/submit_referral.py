#!/usr/bin/env python3
"""Submit one referral to frontdoor (IntakeService.SubmitReferral).

The referral is read from a JSON file in the proto3 JSON form of
frontdoor.common.v1.Referral (protos/frontdoor/common/v1/referral.proto);
your case system would fill the message from its own records instead.

  PYTHONPATH=gen python3 submit_referral.py --target intake.example:8443 \
      --ca ca.pem --cert our-agency.pem --key our-agency.key \
      --actor "DC Helen Clarke" --idempotency-key case-118842 referral.json

What it shows:
- The idempotency key: chosen by you, unique per referral. Every retry of
  one referral uses the SAME key, so a referral stored before a failure is
  never stored twice (a retry returns the original receipt).
- A deadline on every attempt; UNAVAILABLE, DEADLINE_EXCEEDED and a lost
  connection are retried with back-off, unchanged.
- RESOURCE_EXHAUSTED (over your agency's rate limit): nothing was stored;
  retried after RetryInfo.retry_delay.
- INVALID_ARGUMENT: every field at fault is listed (google.rpc.BadRequest),
  by its proto path; fix the referral, do not retry it unchanged.

Exit status: 0 received (accepted or returned: the receipt says which),
2 refused as not valid, 1 any other failure (retry later with the same key).
"""

import argparse
import sys
import time

import grpc
from google.protobuf import json_format

import frontdoor_client
from frontdoor.common.v1 import referral_pb2
from frontdoor.intake.v1 import intake_pb2, intake_pb2_grpc

# Each attempt's deadline.
CALL_DEADLINE_SECONDS = 10
# How long to keep retrying one submission before giving up for now (a
# partner's system would keep it queued and try again later, same key).
GIVE_UP_AFTER_SECONDS = 120
# Answers after which the submission may or may not have been stored: retry
# unchanged, with the same idempotency key.
RETRY_UNCHANGED = (grpc.StatusCode.UNAVAILABLE,
                   grpc.StatusCode.DEADLINE_EXCEEDED,
                   grpc.StatusCode.CANCELLED)

EXIT_RECEIVED = 0
EXIT_FAILED = 1
EXIT_INVALID = 2


def log(message):
    print(f"submit_referral: {message}", file=sys.stderr, flush=True)


def submit(stub, request, actor):
    """Submits until the service answers; returns the receipt or raises the
    final grpc.RpcError."""
    trace_id = frontdoor_client.new_trace_id()
    backoff = frontdoor_client.Backoff()
    give_up_at = time.monotonic() + GIVE_UP_AFTER_SECONDS
    while True:
        try:
            response = stub.SubmitReferral(
                request, timeout=CALL_DEADLINE_SECONDS,
                metadata=frontdoor_client.call_metadata(actor, trace_id))
            return response.receipt
        except grpc.RpcError as error:
            code = error.code()
            if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                delay = frontdoor_client.retry_delay_seconds(error)
                if delay is None:
                    delay = backoff.next_delay()
                log(f"RESOURCE_EXHAUSTED (rate limit): retrying after {delay:.2f} s")
            elif code in RETRY_UNCHANGED:
                delay = backoff.next_delay()
                log(f"{code.name}: retrying with the same idempotency key after {delay:.2f} s")
            else:
                raise
            if time.monotonic() + delay > give_up_at:
                raise
            time.sleep(delay)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="intake-svc's host:port")
    parser.add_argument("--ca", required=True, help="the suite's CA certificate (PEM)")
    parser.add_argument("--cert", required=True, help="your agency's certificate (PEM)")
    parser.add_argument("--key", required=True, help="your agency's private key (PEM)")
    parser.add_argument("--actor", required=True, help="the person acting, for the audit trail")
    parser.add_argument("--idempotency-key", required=True,
                        help="unique per referral in your agency; [A-Za-z0-9._:-], 1 to 128")
    parser.add_argument("referral", help="a frontdoor.common.v1.Referral as JSON")
    args = parser.parse_args()

    with open(args.referral, encoding="utf-8") as f:
        referral = json_format.Parse(f.read(), referral_pb2.Referral())
    request = intake_pb2.SubmitReferralRequest(
        idempotency_key=args.idempotency_key, referral=referral)

    with frontdoor_client.secure_channel(args.target, args.ca, args.cert, args.key) as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)
        try:
            receipt = submit(stub, request, args.actor)
        except grpc.RpcError as error:
            print(f"refused: {error.code().name}: {error.details()}")
            if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
                for field, description in frontdoor_client.field_violations(error):
                    print(f"  {field}: {description}")
                return EXIT_INVALID
            return EXIT_FAILED

    status = intake_pb2.ReferralStatus.Name(receipt.status)
    print(f"reference: {receipt.reference}")
    print(f"status: {status}")
    if receipt.status == intake_pb2.REFERRAL_STATUS_RETURNED:
        for reason in receipt.return_reasons:
            print(f"  returned: {reason.code}: {reason.message}")
    else:
        print(f"front door: {referral_pb2.FrontDoor.Name(receipt.front_door)}")
    print(f"district: {receipt.district}")
    return EXIT_RECEIVED


if __name__ == "__main__":
    sys.exit(main())
