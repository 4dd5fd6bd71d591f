#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""A small meter made with Gurux's DLMS server, read by meterkit's `hdlc_client` and `wrapper_client`.

An interoperability test against an implementation we did not write: Gurux's Python library
(PyPI `gurux-dlms` 1.0.203) is used here as an external program only, never linked into meterkit.

It listens on a loopback TCP port and speaks HDLC (IEC 62056-46; any server address) or, with
--wrapper, the wrapper (IEC 62056-47). Objects (IEC 62056-6-2), logical name referencing: the
clock 0-0:1.0.0.255 (the system time in UTC, or the fixed --time), the registers
1-0:1.8.0.255 (--import, default 123456) and 1-0:2.8.0.255 (--export, default 7890), both
double-long-unsigned with scaler 0 and unit Wh (30), and the association 0-0:40.0.0.255.
Associations: the public client 16 without authentication, client 17 with LLS and the
password 12345678. Every value read is printed ("gurux server: read ..."); --once serves one
TCP connection and exits, with status 0 only when the client associated and released.

What 1.0.203's GXDLMSServer needs from the program that drives it (read from its sources):
* `handleRequest(sr)` stores the frame to send with `sr.setReply(bytes)` and asks
  `sr.getConnectionInfo()`, `sr.getCount()`, `sr.setCount()`; its GXServerReply has none of
  them, so `Reply` adds them. Without getConnectionInfo every AARQ raised inside the server,
  which then answered with an error PDU instead of the AARE.
* `handleSnrmRequest` reads the server's own HDLC limits from `self.hdlc` under the names of
  both the HDLC setup object (maximumInfoLength...) and GXHdlcSettings (maxInfoTX...), and
  calls `settings.hdlc.update`, which GXHdlcSettings names `_update`. With `self.hdlc` unset
  (None) it raised after writing `81 80 00 05`, and the server sent an I-frame with an error
  PDU instead of the UA. `Limits` has both sets of names and `update`.
* The parameter group of its UA (to SNRM and to DISC) is sent with group length 0 and a 2
  written into the last window-size value (`setUInt8(2, n)` is value 2 at index n, not n at
  index 2): `Meter` writes the group again, with the same values, after Gurux made it.
* Its RLRE (`handleReleaseRequest`) has no LLC header over HDLC and BER lengths 7 and 1 bytes
  short (`63 0E 80 01 00 BE 0F 04 0E <14 bytes>`): `Meter` encodes it again, correctly.
* `GXDLMSLNCommandHandler` calls `server.notifyRead()` and `server.onPostRead()` with no
  arguments on every GET.
* `initialize()` puts the whole object collection as one item into an empty association
  object list, so the list is filled here first.
"""

import argparse
import datetime
import socket
import sys

try:
    from gurux_dlms import GXDateTime, GXDLMSServer, GXHdlcSettings, GXServerReply
    from gurux_dlms.enums import (AccessMode, Authentication, DataType, InterfaceType,
                                  MethodAccessMode, SourceDiagnostic, Unit)
    from gurux_dlms.objects import GXDLMSAssociationLogicalName, GXDLMSClock, GXDLMSRegister
except ImportError as e:  # pragma: no cover
    print(f"gurux-dlms is not installed ({e}): python3 -m pip install gurux-dlms==1.0.203",
          file=sys.stderr)
    sys.exit(3)

PUBLIC_CLIENT = 16
LLS_CLIENT = 17
PASSWORD = b"12345678"


def say(text):
    print(f"gurux server: {text}", flush=True)


def hdlc_parameters(limits):
    """The HDLC parameter group (ISO/IEC 13239) announcing `limits`, as Gurux means to."""
    body = bytearray()
    for ident, value in ((5, limits.maxInfoTX), (6, limits.maxInfoRX)):
        body += bytes([ident, 1, value]) if value < 0x100 else bytes([ident, 2]) + value.to_bytes(2, "big")
    for ident, value in ((7, limits.windowSizeTX), (8, limits.windowSizeRX)):
        body += bytes([ident, 4]) + value.to_bytes(4, "big")
    return bytes([0x81, 0x80, len(body)]) + body


def fixed_rlre(rlre, llc):
    """Gurux's RLRE `63 .. 80 01 rr BE .. 04 n <n bytes>` with its lengths recomputed."""
    if not (len(rlre) >= 9 and rlre[0] == 0x63 and rlre[2:4] == b"\x80\x01" and rlre[5] == 0xBE
            and rlre[7] == 0x04 and rlre[8] == len(rlre) - 9):
        raise ValueError(f"unexpected RLRE from Gurux: {rlre.hex()}")
    initiate = rlre[9:]
    user = bytes([0x04, len(initiate)]) + initiate
    body = rlre[2:5] + bytes([0xBE, len(user)]) + user
    return (b"\xe6\xe7\x00" if llc else b"") + bytes([0x63, len(body)]) + body


class Limits(GXHdlcSettings):
    """HDLC limits under both names 1.0.203's server uses (see the module's doc)."""

    def __init__(self):
        super().__init__()
        self.maximumInfoLengthTransmit = self.maxInfoTX
        self.maximumInfoLengthReceive = self.maxInfoRX
        self.windowSizeTransmit = self.windowSizeTX
        self.windowSizeReceive = self.windowSizeRX
        # 0: no inactivity check (1.0.203's check subtracts an int from a datetime).
        self.inactivityTimeout = 0

    def update(self, hdlc):
        self._update(hdlc)


class Reply(GXServerReply):
    """What handleRequest calls on its argument (see the module's doc)."""

    def setReply(self, value):
        self.reply = value

    def getConnectionInfo(self):
        return self.connectionInfo

    def getCount(self):
        return self.count

    def setCount(self, value):
        self.count = value


class Clock(GXDLMSClock):
    """The clock; prints what it gives."""

    def __init__(self, fixed):
        super().__init__("0.0.1.0.0.255")
        self.fixed = fixed

    def getValue(self, settings, e):
        if e.index == 2:
            now = self.fixed or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
            self.time = GXDateTime(now)
            say(f"read {self.logicalName} attribute 2: {now:%Y-%m-%d %H:%M:%S}")
        return super().getValue(settings, e)


class Register(GXDLMSRegister):
    """A register; prints what it gives."""

    def __init__(self, ln, value):
        super().__init__(ln)
        self.value = value
        self.setDataType(2, DataType.UINT32)
        self.scaler = 1  # a multiplier in Gurux: sent as the scaler log10(1) = 0
        self.unit = Unit.ACTIVE_ENERGY

    def getValue(self, settings, e):
        if e.index == 2:
            say(f"read {self.logicalName} attribute 2: {self.value}")
        elif e.index == 3:
            say(f"read {self.logicalName} attribute 3: scaler 0, unit {int(self.unit)}")
        return super().getValue(settings, e)


class Meter(GXDLMSServer):
    """The Gurux server and its callbacks."""

    def __init__(self, interface, clock, energy):
        super().__init__(True, interface)
        self.settings.hdlc = Limits()
        self.hdlc = Limits()
        self.associated = False
        self.released = False
        self.items.append(Clock(clock))
        for ln, value in zip(("1.0.1.8.0.255", "1.0.2.8.0.255"), energy):
            self.items.append(Register(ln, value))
        association = GXDLMSAssociationLogicalName()
        for obj in list(self.items):
            association.objectList.append(obj)
        association.objectList.append(association)
        self.items.append(association)
        self.initialize()

    @property
    def hdlcSettings(self):
        return self.hdlc

    def handleSnrmRequest(self, data):
        super().handleSnrmRequest(data)
        self.replyData.clear()
        self.replyData.set(hdlc_parameters(self.hdlc))

    def generateDisconnectRequest(self):
        super().generateDisconnectRequest()
        self.replyData.clear()
        self.replyData.set(hdlc_parameters(self.hdlc))

    def handleReleaseRequest(self, data):
        super().handleReleaseRequest(data)
        rlre = bytes(self.replyData.array())
        self.replyData.clear()
        self.replyData.set(fixed_rlre(rlre, self.settings.interfaceType != InterfaceType.WRAPPER))

    def notifyRead(self):
        pass

    def isTarget(self, serverAddress, clientAddress):
        return clientAddress in (PUBLIC_CLIENT, LLS_CLIENT)

    def onValidateAuthentication(self, authentication, password):
        client = self.settings.clientAddress
        if client == PUBLIC_CLIENT and authentication == Authentication.NONE:
            return SourceDiagnostic.NONE
        if (client == LLS_CLIENT and authentication == Authentication.LOW
                and bytes(password or b"") == PASSWORD):
            return SourceDiagnostic.NONE
        say(f"refused client {client} ({authentication!r})")
        return SourceDiagnostic.AUTHENTICATION_FAILURE

    def onGetAttributeAccess(self, arg):
        return AccessMode.READ

    def onGetMethodAccess(self, arg):
        return MethodAccessMode.NO_ACCESS

    def onConnected(self, connectionInfo):
        self.associated = True
        say(f"client {self.settings.clientAddress} associated "
            f"({Authentication(self.settings.authentication).name})")

    def onDisconnected(self, connectionInfo):
        if self.associated:
            self.released = True
        say("released")

    def onInvalidConnection(self, connectionInfo):
        say("invalid connection")

    def onFindObject(self, objectType, sn, ln):
        return None

    def onPreRead(self, args=None):
        pass

    def onPostRead(self, args=None):
        pass

    def onPreGet(self, args=None):
        pass

    def onPostGet(self, args=None):
        pass

    def onPreWrite(self, args):
        for e in args:
            e.error = 3  # read-write-denied

    def onPostWrite(self, args):
        pass

    def onPreAction(self, args):
        for e in args:
            e.error = 3

    def onPostAction(self, args):
        pass


def serve(conn, meter, trace):
    conn.settimeout(30)
    while True:
        data = conn.recv(4096)
        if not data:
            return
        if trace:
            say(f"<- {data.hex()}")
        sr = Reply(bytearray(data))
        meter.handleRequest(sr)
        if sr.reply:
            if trace:
                say(f"-> {bytes(sr.reply).hex()}")
            conn.sendall(bytes(sr.reply))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=4061)
    p.add_argument("--wrapper", action="store_true", help="the wrapper instead of HDLC")
    p.add_argument("--once", action="store_true", help="serve one connection, then exit")
    p.add_argument("--time", help="a fixed clock, UTC: YYYY-MM-DDTHH:MM:SS")
    p.add_argument("--import", dest="energy_import", type=int, default=123456)
    p.add_argument("--export", dest="energy_export", type=int, default=7890)
    p.add_argument("--trace", action="store_true", help="print every frame")
    a = p.parse_args()
    clock = None
    if a.time:
        clock = datetime.datetime.fromisoformat(a.time).replace(tzinfo=datetime.timezone.utc)
    interface = InterfaceType.WRAPPER if a.wrapper else InterfaceType.HDLC
    with socket.create_server(("127.0.0.1", a.port)) as listener:
        say(f"listening on 127.0.0.1:{listener.getsockname()[1]} "
            f"({'wrapper' if a.wrapper else 'HDLC'})")
        while True:
            conn, peer = listener.accept()
            meter = Meter(interface, clock, (a.energy_import, a.energy_export))
            with conn:
                try:
                    serve(conn, meter, a.trace)
                except OSError as e:
                    say(f"{peer}: {e}")
            say(f"{peer} closed")
            if a.once:
                return 0 if meter.released else 1


if __name__ == "__main__":
    sys.exit(main())
