# Independent computation, with Python `cryptography` 48 (OpenSSL), of the general-ciphering and
# general-signing vectors in ../security_envelopes.rs, for which no public vector exists (notes
# dlms.md §8.6, anchors.md). Run with `python3 general_ciphering.py`; not run by the tests.
#
# Inputs: Green Book suite-0 EK/AK/KEK (EK = KEK = 000102..0F, AK = D0..DF; AK 32 bytes for
# suite 2), meter title 4D4D4D0000BC614E (originator), client title 4D4D4D0000000001
# (recipient), IC 0x01234567, transaction-id 0000000001234567, plaintext = GET clock time.
# EC scalars are SHA-512 of a label reduced mod n - 1, plus 1.
import hashlib
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

H=bytes.fromhex
EK=H("000102030405060708090a0b0c0d0e0f"); AK=H("d0d1d2d3d4d5d6d7d8d9dadbdcdddedf")
KEK=EK
ST_M=H("4d4d4d0000bc614e"); ST_C=H("4d4d4d0000000001")
IC=0x01234567
P=H("c0010000080000010000ff0200")
def L(b): 
    n=len(b); assert n<128; return bytes([n])+b
def gcm(key, sc, title, ic, plain, aad_extra=b""):
    iv=title+ic.to_bytes(4,'big')
    out=AESGCM(key).encrypt(iv, plain, bytes([sc])+AK_for(key)+aad_extra)
    return out[:-16], out[-16:-4]
def AK_for(key): return AK if len(key)==16 else None
def content(sc, ic, ct, tag): 
    c=bytes([sc])+ic.to_bytes(4,'big')+ct+tag
    return L(c)
tid=H("0000000001234567")
hdr=L(tid)+L(ST_M)+L(ST_C)+L(b"")+L(b"")

# (a) wrapped key, suite 0, SC 0x30
K1=H("8899aabbccddeeff0011223344556677")
W=aes_key_wrap(KEK, K1)
ct,tag=gcm(K1,0x30,ST_M,IC,P)
apdu=b"\xdd"+hdr+b"\x01\x01\x00"+L(W)+content(0x30,IC,ct,tag)
print("wrapped", W.hex(), apdu.hex())

# (a2) identified key 0 with AAD extension, suite 1 SC 0x31 (Gurux Python layout)
ext=hdr
ct,tag=gcm(EK,0x31,ST_M,IC,P,ext)
apdu=b"\xdd"+hdr+b"\x01\x00\x00"+content(0x31,IC,ct,tag)
print("identified_ext", apdu.hex())
ct,tag=gcm(EK,0x31,ST_M,IC,P)
apdu=b"\xdd"+hdr+b"\x01\x00\x00"+content(0x31,IC,ct,tag)
print("identified_plain", apdu.hex())

def scalar(label, curve):
    n = {"P-256":0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551,
         "P-384":0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973}[curve.name if hasattr(curve,'name') else curve]
    return int.from_bytes(hashlib.sha512(label).digest(),'big') % (n-1) + 1

for curve, size, hashf, suite, sc, ekey_len, algid in [(ec.SECP256R1(),32,hashes.SHA256(),1,0x31,16,"60857405080300"),(ec.SECP384R1(),48,hashes.SHA384(),2,0x32,32,"60857405080301")]:
    cname="P-256" if size==32 else "P-384"
    dU=scalar(b"meterkit meter signing "+cname.encode(), cname)
    dV=scalar(b"meterkit client agreement "+cname.encode(), cname)
    dE=scalar(b"meterkit ephemeral "+cname.encode(), cname)
    kU=ec.derive_private_key(dU, curve); kV=ec.derive_private_key(dV, curve); kE=ec.derive_private_key(dE, curve)
    def raw(pk):
        n=pk.public_numbers(); return n.x.to_bytes(size,'big')+n.y.to_bytes(size,'big')
    epub=raw(kE.public_key())
    der=kU.sign(epub, ec.ECDSA(hashf)); r,s=decode_dss_signature(der)
    sig=r.to_bytes(size,'big')+s.to_bytes(size,'big')
    Z=kE.exchange(ec.ECDH(), kV.public_key())
    h=hashlib.sha256 if size==32 else hashlib.sha384
    K=h(b"\x00\x00\x00\x01"+Z+H(algid)+ST_M+ST_C).digest()[:ekey_len]
    # content: suite-2 keys need a 32-byte AK
    AKs = AK if ekey_len==16 else H("d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef")
    iv=ST_M+IC.to_bytes(4,'big')
    out=AESGCM(K).encrypt(iv,P,bytes([sc])+AKs); ct,tag=out[:-16],out[-16:-4]
    kcd=epub+sig
    apdu=b"\xdd"+hdr+b"\x01\x02"+L(b"\x01")+(b"\x81"+bytes([len(kcd)]) if len(kcd)>=128 else bytes([len(kcd)]))+kcd+content(sc,IC,ct,tag)
    print(cname, "dU", dU.to_bytes(size,'big').hex(), "dV", dV.to_bytes(size,'big').hex(), "dE", dE.to_bytes(size,'big').hex())
    print(cname, "Z", Z.hex(), "K", K.hex())
    print(cname, "agreed", apdu.hex())
    # general-signing of the SEC-01 glo-get-request, both coverages
    inner=H("c81e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b")
    prefix=b"\xdf"+hdr+L(inner)
    der=kU.sign(prefix+b"", ec.ECDSA(hashf)); r,s=decode_dss_signature(der)
    sig=r.to_bytes(size,'big')+s.to_bytes(size,'big')
    print(cname, "signing_prefix", (prefix+(b"\x81" if len(sig)>=128 else b"")+bytes([len(sig)])+sig).hex())
    der=kU.sign(hdr+inner, ec.ECDSA(hashf)); r,s=decode_dss_signature(der)
    sig=r.to_bytes(size,'big')+s.to_bytes(size,'big')
    print(cname, "signing_gurux", (prefix+bytes([len(sig)])+sig).hex())
