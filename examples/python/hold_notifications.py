#!/usr/bin/env python3
"""Hold your agency's notification stream from frontdoor (NotifyService).

  PYTHONPATH=gen python3 hold_notifications.py --target notify.example:8443 \
      --ca ca.pem --cert our-agency.pem --key our-agency.key \
      --actor "hub duty officer" --position-file hub.position

The contract (protos/frontdoor/notify/v1/notify_service.proto):
- Subscribe streams your own notifications, oldest first, each with its
  position (increasing, not contiguous): those after your last acknowledged
  position (or after `after_position` when given), then new ones as they are
  recorded. It stays open until you cancel or its deadline passes.
- Delivery is at least once: a notification may arrive twice; de-duplicate
  on its id.
- Ack(position) records that you have processed everything up to that
  position; the acknowledged position never moves back.
- On UNAVAILABLE (a server stopping, a lost connection) reconnect and
  resume: nothing is missed.

So this example, for each notification: processes it (here: prints a
summary line on stdout; your system would store it), saves its position
durably in --position-file, then acknowledges it. It reconnects with
back-off, resuming after the saved position, and renews the stream before
its deadline. Stop it with SIGINT or SIGTERM (exit 0).

Exit status: 0 stopped (or --until-reference seen), 1 refused (for example
PERMISSION_DENIED: not a registered recipient or referrer), 3 gave up
(--give-up-after).
"""

import argparse
import collections
import json
import os
import signal
import sys
import threading
import time

import grpc

import frontdoor_client
from frontdoor.notify.v1 import notify_pb2, notify_service_pb2, notify_service_pb2_grpc

# Each stream's deadline: the stream is renewed (a new Subscribe resuming
# after the last position) when it passes.
STREAM_DEADLINE_SECONDS = 15 * 60
# Each Ack's deadline.
ACK_DEADLINE_SECONDS = 5
# Answers after which to reconnect with back-off.
RECONNECT_ON = (grpc.StatusCode.UNAVAILABLE,
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                grpc.StatusCode.INTERNAL,
                grpc.StatusCode.UNKNOWN)
# How many notification ids to remember for de-duplication.
SEEN_IDS = 10_000

EXIT_STOPPED = 0
EXIT_REFUSED = 1
EXIT_GAVE_UP = 3


def log(message):
    print(f"hold_notifications: {message}", file=sys.stderr, flush=True)


def reference_of(notification):
    """The service's reference of the referral a notification is about."""
    body = notification.WhichOneof("body")
    return getattr(notification, body).reference if body else ""


def process(delivery):
    """Your system's work for one notification. Here: one summary line,
    without the personal data the body may hold."""
    n = delivery.notification
    print(json.dumps({
        "position": delivery.position,
        "id": n.id,
        "event": notify_pb2.EventKind.Name(n.event),
        "recipientKind": notify_pb2.RecipientKind.Name(n.recipient_kind),
        "body": n.WhichOneof("body"),
        "reference": reference_of(n),
        "createdAt": n.created_at.ToJsonString(),
    }), flush=True)


def load_position(path):
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return int(f.read().strip())
    return None


def save_position(path, position):
    """Writes the position durably (written, synced, renamed) before it is
    acknowledged, so a restart resumes after it."""
    if not path:
        return
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(f"{position}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


class Holder:
    def __init__(self, args):
        self.args = args
        self.position = load_position(args.position_file)
        self.acknowledged = None
        self.seen = collections.OrderedDict()
        self.stopping = threading.Event()
        self.call = None

    def stop(self, signum, _frame):
        log(f"{signal.Signals(signum).name}: stopping")
        self.stopping.set()
        if self.call is not None:
            self.call.cancel()

    def ack(self, stub):
        """Acknowledges the last processed position, if not yet done.
        Returns False when the service could not be told (told again later:
        acknowledging a later position covers the earlier ones)."""
        if self.position is None or self.position == self.acknowledged:
            return True
        try:
            response = stub.Ack(
                notify_service_pb2.AckRequest(position=self.position),
                timeout=ACK_DEADLINE_SECONDS,
                metadata=frontdoor_client.call_metadata(
                    self.args.actor, frontdoor_client.new_trace_id()))
        except grpc.RpcError as error:
            log(f"Ack({self.position}): {error.code().name}: {error.details()}")
            return False
        self.acknowledged = response.acknowledged_position
        log(f"acknowledged position {self.acknowledged}")
        return True

    def handle(self, stub, delivery):
        """Processes a delivery once, saves and acknowledges its position.
        Returns True when it was about --until-reference."""
        n = delivery.notification
        if n.id in self.seen:
            log(f"notification {n.id} again at position {delivery.position}: already processed")
        else:
            process(delivery)
            self.seen[n.id] = True
            if len(self.seen) > SEEN_IDS:
                self.seen.popitem(last=False)
        self.position = delivery.position
        save_position(self.args.position_file, self.position)
        self.ack(stub)
        return bool(self.args.until_reference) and reference_of(n) == self.args.until_reference

    def subscribe_once(self, stub):
        """One Subscribe stream, until it ends. Returns True when the
        --until-reference notification was processed."""
        request = notify_service_pb2.SubscribeRequest()
        if self.position is not None:
            request.after_position = self.position
        after = "the last acknowledged position" if self.position is None else self.position
        log(f"subscribing after {after}")
        self.call = stub.Subscribe(
            request, timeout=STREAM_DEADLINE_SECONDS,
            metadata=frontdoor_client.call_metadata(
                self.args.actor, frontdoor_client.new_trace_id()))
        try:
            for delivery in self.call:
                self.backoff.reset()
                if self.handle(stub, delivery):
                    return True
        finally:
            self.call = None
        return False

    def run(self):
        self.backoff = frontdoor_client.Backoff(
            self.args.initial_backoff, self.args.max_backoff)
        give_up_at = (time.monotonic() + self.args.give_up_after
                      if self.args.give_up_after else None)
        while not self.stopping.is_set():
            with frontdoor_client.secure_channel(
                    self.args.target, self.args.ca, self.args.cert, self.args.key) as channel:
                stub = notify_service_pb2_grpc.NotifyServiceStub(channel)
                try:
                    delay = self.connect(stub)
                except Done:
                    return EXIT_STOPPED
                except Refused:
                    return EXIT_REFUSED
            if self.stopping.is_set():
                break
            if give_up_at is not None and time.monotonic() + delay > give_up_at:
                log("giving up")
                return EXIT_GAVE_UP
            self.stopping.wait(delay)
        log(f"stopped; last position {self.position}, acknowledged {self.acknowledged}")
        return EXIT_STOPPED

    def connect(self, stub):
        """Acknowledges what is pending, then holds one stream. Returns the
        delay before the next connection."""
        # An acknowledgement that failed with the last stream goes first.
        if not self.ack(stub):
            return self.backoff.next_delay()
        try:
            if self.subscribe_once(stub):
                raise Done()
        except grpc.RpcError as error:
            code = error.code()
            if self.stopping.is_set():
                return 0.0
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                log("stream deadline passed: renewing")
                return 0.0
            if code not in RECONNECT_ON:
                log(f"refused: {code.name}: {error.details()}")
                raise Refused() from error
            delay = frontdoor_client.retry_delay_seconds(error)
            if delay is None:
                delay = self.backoff.next_delay()
            log(f"stream ended {code.name}: {error.details()}; reconnecting in {delay:.2f} s")
            return delay
        delay = self.backoff.next_delay()
        log(f"stream ended by the service: reconnecting in {delay:.2f} s")
        return delay


class Done(Exception):
    """The --until-reference notification was processed."""


class Refused(Exception):
    """The service refused the stream for good (not a passing failure)."""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="notify-svc's host:port")
    parser.add_argument("--ca", required=True, help="the suite's CA certificate (PEM)")
    parser.add_argument("--cert", required=True, help="your agency's certificate (PEM)")
    parser.add_argument("--key", required=True, help="your agency's private key (PEM)")
    parser.add_argument("--actor", required=True, help="the person or system acting")
    parser.add_argument("--position-file",
                        help="where the last processed position is kept, to resume after it")
    parser.add_argument("--until-reference",
                        help="exit once a notification about this reference is processed")
    parser.add_argument("--give-up-after", type=float, default=0,
                        help="seconds after which to stop reconnecting (default: never)")
    parser.add_argument("--initial-backoff", type=float, default=0.5,
                        help="first reconnection delay, seconds")
    parser.add_argument("--max-backoff", type=float, default=30.0,
                        help="longest reconnection delay, seconds")
    holder = Holder(parser.parse_args())
    signal.signal(signal.SIGINT, holder.stop)
    signal.signal(signal.SIGTERM, holder.stop)
    return holder.run()


if __name__ == "__main__":
    sys.exit(main())
