"""Verify sei's signed artefacts with securesystemslib (PyPI), independently
of sei's Go code: DSSE envelope, ECDSA P-256 signature, in-toto subjects.

Usage: python verify_sslib.py DIR   (DIR holds PUBKEY.txt and the *.sig files)
Exit 0 when every envelope verifies, 1 otherwise.
"""
import base64
import hashlib
import json
import pathlib
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey


def trusted_key(directory: pathlib.Path) -> SSlibKey:
    point = bytes.fromhex((directory / "PUBKEY.txt").read_text().strip())
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    # sei's keyid: SHA-256 of the 65-byte uncompressed point.
    keyid = hashlib.sha256(point).hexdigest()
    return SSlibKey(keyid, "ecdsa", "ecdsa-sha2-nistp256", {"public": pem.decode()})


def check(directory: pathlib.Path, key: SSlibKey, sig: pathlib.Path) -> None:
    env = Envelope.from_dict(json.loads(sig.read_bytes()))
    if env.payload_type != "application/vnd.in-toto+json":
        raise ValueError(f"payloadType {env.payload_type}")
    env.verify([key], 1)  # raises VerificationError
    statement = json.loads(env.payload)
    if statement["_type"] != "https://in-toto.io/Statement/v1":
        raise ValueError(f"statement type {statement['_type']}")
    for subject in statement["subject"]:
        data = (directory / subject["name"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != subject["digest"]["sha256"]:
            raise ValueError(f"{subject['name']}: digest mismatch")


def main() -> int:
    directory = pathlib.Path(sys.argv[1])
    key = trusted_key(directory)
    sigs = sorted(p for p in directory.rglob("*.sig") if "cache" not in p.relative_to(directory).parts)
    if not sigs:
        print(f"{directory}: no *.sig", file=sys.stderr)
        return 1
    bad = 0
    for sig in sigs:
        rel = sig.relative_to(directory)
        try:
            check(directory, key, sig)
            print(f"OK    {rel}")
        except Exception as e:  # every failure is reported, none is fatal
            print(f"FAIL  {rel}: {type(e).__name__}: {e}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
