#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Reads meterkit's `hdlc_meter` (or `wrapper_meter`) example with Gurux's DLMS client.

An interoperability test against an implementation we did not write: Gurux's Python library
(PyPI `gurux-dlms`) is used here as an external program only, never linked into meterkit.

Over one TCP connection (the meter's stand-in serial port) it makes two HDLC connections
(IEC 62056-46 SNRM/UA ... DISC/UA) and associations (IEC 62056-5-3 AARQ/AARE):

1. the public client (16), no authentication: the clock, the logical device name, both
   registers (value and scaler_unit), the load profile (capture objects, the whole buffer by
   GET block transfer, rows by entry and by range), the association's object list, a
   keep-alive RR, release (RLRQ/RLRE), disconnect;
2. a wrong LLS password, which the meter must refuse;
3. the LLS client (17, password 12345678): the clock and a register, release, disconnect.

With --wrapper it speaks the wrapper (IEC 62056-47) instead, without SNRM and DISC.

It prints what it read and exits non-zero on any error or wrong value.
"""

import argparse
import datetime
import socket
import sys

try:
    from gurux_dlms import GXByteBuffer, GXDLMSClient, GXDLMSException, GXReplyData
    from gurux_dlms.enums import Authentication, InterfaceType, ObjectType
    from gurux_dlms.objects import (
        GXDLMSAssociationLogicalName,
        GXDLMSClock,
        GXDLMSData,
        GXDLMSProfileGeneric,
        GXDLMSRegister,
    )
except ImportError as e:  # pragma: no cover
    print(f"gurux-dlms is not installed ({e}): python3 -m pip install gurux-dlms==1.0.203",
          file=sys.stderr)
    sys.exit(3)

# What the meter holds (examples/src/meter.rs).
ROW_1 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
PERIOD = datetime.timedelta(seconds=900)
OBJECTS = {
    (ObjectType.ASSOCIATION_LOGICAL_NAME, "0.0.40.0.0.255"),
    (ObjectType.CLOCK, "0.0.1.0.0.255"),
    (ObjectType.DATA, "0.0.42.0.0.255"),
    (ObjectType.REGISTER, "1.0.1.8.0.255"),
    (ObjectType.REGISTER, "1.0.2.8.0.255"),
    (ObjectType.PROFILE_GENERIC, "1.0.99.1.0.255"),
}


def imported(i):
    return 1_000_000 + i * 37


def exported(i):
    return i * 11


class Failure(Exception):
    """A wrong value or a missing answer."""


def check(cond, what):
    if not cond:
        raise Failure(what)


def utc(value):
    """A Gurux GXDateTime or datetime as an aware UTC datetime."""
    value = getattr(value, "value", value)
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc)


class Meter:
    """One Gurux client on the meter's TCP connection."""

    def __init__(self, sock, client, trace):
        self.sock = sock
        self.client = client
        self.trace = trace

    def packet(self, data, reply):
        if data:
            if self.trace:
                print("  ->", bytes(data).hex())
            self.sock.sendall(bytes(data))
        buf = GXByteBuffer()
        notify = GXReplyData()
        while not self.client.getData(buf, reply, notify):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Failure("the meter closed the connection")
            if self.trace:
                print("  <-", chunk.hex())
            buf.set(chunk)
        if reply.error != 0:
            raise GXDLMSException(reply.error)

    def request(self, frames):
        """Sends a request (one or more frames) and collects the whole answer."""
        reply = GXReplyData()
        if isinstance(frames, (bytes, bytearray)):
            frames = [frames]
        for frame in frames:
            reply.clear()
            self.packet(frame, reply)
            while reply.isMoreData():
                self.packet(None if reply.isStreaming() else self.client.receiverReady(reply), reply)
        return reply

    def keep_alive(self, rr):
        """Sends Gurux's keep-alive RR and checks the meter's answer itself.

        The answer of a station with nothing to send is RR with the final bit and its N(R)
        (IEC 62056-46, 6.4.4.4.3.4). When as many I-frames went each way (every
        request-response exchange), that control byte equals the client's own RR, and
        Gurux 1.0.203's echo check (GXDLMSSettings.checkFrame compares control bytes only, not
        addresses) discards it as an echo of its own frame and waits for ever. So the answer
        is read and checked here, not by GXDLMSClient.getData.
        """
        self.sock.sendall(rr)
        buf = b""
        while len(buf) < 3 or len(buf) < 2 + ((buf[1] & 0x07) << 8 | buf[2]):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Failure("the meter closed the connection")
            buf += chunk
        control = buf[-4]  # before FCS (2) and the closing flag
        check(buf[0] == 0x7E and buf[-1] == 0x7E and (buf[1] & 0xF0) == 0xA0, f"keep-alive answer {buf.hex()}")
        check(control & 0x1F == 0x11, f"keep-alive answered with control {control:#04x}, not RR with F")
        check(control >> 5 == rr[-4] >> 5, f"keep-alive RR N(R) {control >> 5}, not {rr[-4] >> 5}")
        print(f"  keep-alive RR {rr.hex()} answered with RR {buf.hex()} (N(R) {control >> 5})")

    def read(self, obj, index):
        reply = self.request(self.client.read(obj, index))
        return self.client.updateValue(obj, index, reply.value)

    def connect(self):
        snrm = self.client.snrmRequest()
        if snrm:
            reply = self.request(snrm)
            self.client.parseUAResponse(reply.data)
            s = self.client.hdlcSettings
            print(f"  UA: max info tx {s.maxInfoTX} rx {s.maxInfoRX}, window tx {s.windowSizeTX} rx {s.windowSizeRX}")
        reply = self.request(self.client.aarqRequest())
        self.client.parseAareResponse(reply.data)
        check(not self.client.isAuthenticationRequired, "the meter asks for HLS")
        print(f"  AARE accepted: conformance {int(self.client.negotiatedConformance):#08x}, "
              f"server max PDU {self.client.maxReceivePDUSize}")

    def close(self):
        release = self.client.releaseRequest()
        if release:
            self.request(release)
            print("  RLRE")
        disc = self.client.disconnectRequest()
        if disc and self.client.interfaceType == InterfaceType.HDLC:
            self.request(disc)
            print("  DISC: UA")

    def read_clock(self):
        clock = GXDLMSClock("0.0.1.0.0.255")
        self.read(clock, 2)
        now = datetime.datetime.now(datetime.timezone.utc)
        t = utc(clock.time)
        print(f"  clock {clock.logicalName} = {t.isoformat()}")
        check(abs((t - now).total_seconds()) < 300, f"the clock is off by {t - now}")

    def read_register(self, ln, want):
        reg = GXDLMSRegister(ln)
        self.read(reg, 3)
        self.read(reg, 2)
        print(f"  register {ln} = {reg.value} (scaler {reg.scaler}, unit {reg.unit!r})")
        check(int(reg.unit) == 30, f"{ln} unit {reg.unit!r}, not Wh (30)")
        check(reg.scaler == 1, f"{ln} scaler {reg.scaler}, not 10^0")
        check(reg.value == want, f"{ln} = {reg.value}, not {want}")


def show(row):
    return "[" + ", ".join(utc(v).strftime("%Y-%m-%d %H:%M") if hasattr(v, "value") else str(v)
                           for v in row) + "]"


def check_row(row, i):
    t = utc(row[0])
    want = ROW_1 + (i - 1) * PERIOD
    check(t == want and row[1] == imported(i) and row[2] == exported(i),
          f"row {i} = {row}, not [{want}, {imported(i)}, {exported(i)}]")


def public(meter, rows):
    meter.connect()
    meter.read_clock()
    name = GXDLMSData("0.0.42.0.0.255")
    meter.read(name, 2)
    print(f"  logical device name = {bytes(name.value)!r}")
    check(bytes(name.value) == b"MTK0000000000042", "logical device name")
    meter.read_register("1.0.1.8.0.255", imported(rows))
    meter.read_register("1.0.2.8.0.255", exported(rows))

    keepalive = meter.client.keepAlive()
    if keepalive:
        meter.keep_alive(bytes(keepalive))

    pg = GXDLMSProfileGeneric("1.0.99.1.0.255")
    for index in (3, 4, 5, 6, 7, 8):
        meter.read(pg, index)
    columns = [f"{o.objectType.name}:{o.logicalName}/{a.attributeIndex}" for o, a in pg.captureObjects]
    print(f"  profile {pg.logicalName}: capture objects {columns}, period {pg.capturePeriod} s, "
          f"sort {pg.sortMethod!r} on {pg.sortObject and pg.sortObject.logicalName}, "
          f"entries {pg.entriesInUse}/{pg.profileEntries}")
    check(len(columns) == 3 and pg.capturePeriod == 900 and pg.entriesInUse == rows
          and pg.profileEntries == rows, "profile attributes")
    reply = meter.request(meter.client.read(pg, 2))
    meter.client.updateValue(pg, 2, reply.value)
    print(f"  profile buffer by block transfer: {len(pg.buffer)} rows; first {show(pg.buffer[0])}; "
          f"last {show(pg.buffer[-1])}")
    check(len(pg.buffer) == rows, f"{len(pg.buffer)} rows, not {rows}")
    for i, row in enumerate(pg.buffer, start=1):
        check_row(row, i)

    reply = meter.request(meter.client.readRowsByEntry(pg, 10, 5))
    meter.client.updateValue(pg, 2, reply.value)
    print(f"  rows by entry 10..14: {len(pg.buffer)} rows, first {show(pg.buffer[0]) if pg.buffer else None}")
    check(len(pg.buffer) == 5, "rows by entry")
    for i, row in enumerate(pg.buffer, start=10):
        check_row(row, i)

    start = ROW_1 + datetime.timedelta(days=1)
    end = start + datetime.timedelta(hours=1)
    reply = meter.request(meter.client.readRowsByRange(pg, start, end))
    meter.client.updateValue(pg, 2, reply.value)
    print(f"  rows by range {start:%Y-%m-%d %H:%M} to {end:%H:%M}: {len(pg.buffer)} rows")
    check(len(pg.buffer) == 5, "rows by range: 5 rows from 00:00 to 01:00")
    for i, row in enumerate(pg.buffer, start=97):
        check_row(row, i)

    reply = meter.request(meter.client.getObjectsRequest())
    objects = meter.client.parseObjects(reply.data, True)
    found = {(ObjectType(int(o.objectType)), o.logicalName) for o in objects}
    print(f"  object list: {', '.join(sorted(f'{t.name} {ln}' for t, ln in found))}")
    check(found == OBJECTS, f"object list {found}")
    meter.close()


def rejected(meter):
    try:
        meter.connect()
    except GXDLMSException as e:
        print(f"  refused: {e}")
        meter.client.disconnectRequest(True)
        if meter.client.interfaceType == InterfaceType.HDLC:
            meter.request(meter.client.disconnectRequest(True))
            print("  DISC: UA")
        return
    raise Failure("the meter accepted a wrong password")


def lls(meter, rows):
    meter.connect()
    meter.read_clock()
    meter.read_register("1.0.1.8.0.255", imported(rows))
    meter.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4061)
    p.add_argument("--wrapper", action="store_true", help="the wrapper instead of HDLC")
    p.add_argument("--rows", type=int, default=960, help="the meter's profile rows")
    p.add_argument("--trace", action="store_true", help="print every frame")
    a = p.parse_args()
    interface = InterfaceType.WRAPPER if a.wrapper else InterfaceType.HDLC
    server = 1 if a.wrapper else GXDLMSClient.getServerAddress(1, 17)

    def client(address, auth=Authentication.NONE, password=None):
        return GXDLMSClient(True, address, server, auth, password, interface)

    with socket.create_connection((a.host, a.port), timeout=10) as sock:
        steps = [
            ("public client 16, no authentication", lambda: public(Meter(sock, client(16), a.trace), a.rows)),
            ("client 17, LLS with a wrong password", lambda: rejected(
                Meter(sock, client(17, Authentication.LOW, "wrong"), a.trace))),
            ("client 17, LLS", lambda: lls(Meter(sock, client(17, Authentication.LOW, "12345678"), a.trace), a.rows)),
        ]
        for name, step in steps:
            print(f"gurux: {name}")
            step()
    print("gurux: every value as expected")


if __name__ == "__main__":
    try:
        main()
    except (Failure, GXDLMSException, OSError, ValueError) as e:
        print(f"gurux: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # Gurux raises plain Exceptions for malformed answers
        print(f"gurux: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
