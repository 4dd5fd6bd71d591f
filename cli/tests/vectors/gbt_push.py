#!/usr/bin/env python3
"""Builds the ciphered three-frame GBT push of `cli/tests/dlms_gbt.rs` with code independent of
meterkit: AES-GCM from Python's `cryptography`, and CRC-16/X.25 (HCS/FCS, IEC 62056-46) and
the frame, GBT and general-glo-ciphering layouts written out here.

The plaintext is the DataNotification that a Landis+Gyr E450 pushed in three GBT blocks in
clear (esphome/esphome pull request #16942, "Landis+Gyr E450 HDLC Cyprus", log of 2026-07-18);
the keys are the Green Book example keys. Usage: python3 gbt_push.py PLAINTEXT_HEX
"""
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

EK = bytes(range(16))
AK = bytes(range(0xD0, 0xE0))
SYSTEM_TITLE = bytes.fromhex("4d4d4d0000bc614e")
IC = 0x01234567
SC = 0x30  # suite 0, authenticated and encrypted


def crc16_x25(data: bytes) -> bytes:
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return (crc ^ 0xFFFF).to_bytes(2, "little")


def axdr_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def ui_frame(info: bytes) -> bytes:
    # dst CE FF (client upper 103, lower 127), src 03 (server 1), control 0x13 (UI, P/F=1)
    header_rest = bytes([0xCE, 0xFF, 0x03, 0x13])
    length = 2 + len(header_rest) + 2 + len(info) + 2
    head = bytes([0xA0 | (length >> 8), length & 0xFF]) + header_rest
    head += crc16_x25(head)
    body = head + info
    return b"\x7e" + body + crc16_x25(body) + b"\x7e"


def main() -> None:
    plaintext = bytes.fromhex(sys.argv[1])
    iv = SYSTEM_TITLE + IC.to_bytes(4, "big")
    sealed = AESGCM(EK).encrypt(iv, plaintext, bytes([SC]) + AK)
    ciphertext, tag = sealed[:-16], sealed[-16:-4]  # the 12 leftmost bytes of the tag
    body = bytes([SC]) + IC.to_bytes(4, "big") + ciphertext + tag
    apdu = bytes([0xDB, len(SYSTEM_TITLE)]) + SYSTEM_TITLE + axdr_length(len(body)) + body
    third = (len(apdu) + 2) // 3
    parts = [apdu[:third], apdu[third : 2 * third], apdu[2 * third :]]
    frames = []
    for i, part in enumerate(parts, start=1):
        control = 0xC0 if i == len(parts) else 0x40  # last block, streaming, window 0
        block = bytes([0xE0, control]) + i.to_bytes(2, "big") + b"\x00\x00" + axdr_length(len(part)) + part
        llc = bytes([0xE6, 0xE7, 0x00]) if i == 1 else b""
        frames.append(ui_frame(llc + block))
    print("apdu", apdu.hex())
    for f in frames:
        print("frame", f.hex())


if __name__ == "__main__":
    main()
