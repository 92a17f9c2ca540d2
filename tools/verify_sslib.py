"""Verify sei's evidence with securesystemslib and in-toto (PyPI),
independently of sei's Go code, loading keys and envelopes the standard way:
SSlibKey.from_crypto (its default keyid) and in-toto's Metadata.load.

Usage: python verify_sslib.py DIR [TRUSTED_KEY_FILE...]
DIR is the evidence directory; trusted keys are hex SEC1 (PUBKEY.txt's form)
or PEM, default DIR/PUBKEY.txt (trust on first use). Keys endorsed in
DIR/keys/*.json by a trusted key are trusted too; acts (DIR/acts/*) and
DIR/approvers.json are checked against the keys approvers.json lists (a
request also against the evidence keys).

Checks, as sei verify does: each X.sig verifies with a trusted key and its
Statement has exactly one subject, X by its repository-relative path (or, for
the original engine's predicate type, its path inside DIR), with X's SHA-256;
every JSON file (any case of the extension) is signed; anything that is not a
regular file or a directory is an error. Exit 0 when all holds, 1 otherwise.
"""
import hashlib
import json
import os
import pathlib
import stat
import subprocess
import sys

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from in_toto.models.metadata import Envelope as InTotoEnvelope
from in_toto.models.metadata import Metadata
from securesystemslib.signer import SSlibKey

SEI_TYPE = "https://seigarrena.dev/attestation/v1"
LEGACY_TYPE = "https://venturalitica.ai/attestation/v1"


def load_key(text: str) -> SSlibKey:
    text = text.strip()
    if "BEGIN PUBLIC KEY" in text:
        pub = load_pem_public_key(text.encode())
    else:
        pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes.fromhex(text))
    return SSlibKey.from_crypto(pub)  # the standard keyid, not a copied one


def repo_relative(directory: pathlib.Path) -> str:
    real = directory.resolve()
    try:
        top = subprocess.run(["git", "-C", str(real), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        top = str(real.parent)
    return os.path.relpath(real, top).replace(os.sep, "/")


def check(directory: pathlib.Path, rel: str, name: str, keys: list) -> dict:
    """Verify directory/name.sig over directory/name; return the statement."""
    meta = Metadata.load(str(directory / (name + ".sig")))  # in-toto's loader
    if not isinstance(meta, InTotoEnvelope):
        raise ValueError("not a DSSE envelope of type application/vnd.in-toto+json")
    errors = []
    for key in keys:
        try:
            meta.verify(keys=[key], threshold=1)  # securesystemslib DSSE
            break
        except Exception as e:  # try the next trusted key
            errors.append(e)
    else:
        raise ValueError(f"no signature verifies with a trusted key ({errors[-1] if errors else 'no keys'})")
    statement = json.loads(meta.payload)
    if statement.get("_type") != "https://in-toto.io/Statement/v1":
        raise ValueError(f"statement type {statement.get('_type')}")
    ptype = statement.get("predicateType")
    names = {f"{rel}/{name}" if rel != "." else name}
    if ptype == LEGACY_TYPE:
        names.add(name)
    elif ptype != SEI_TYPE:
        raise ValueError(f"predicate type {ptype}")
    subjects = statement.get("subject", [])
    if len(subjects) != 1:
        raise ValueError(f"{len(subjects)} subjects, want exactly one")
    if subjects[0].get("name") not in names:
        raise ValueError(f"signs {subjects[0].get('name')}, not {sorted(names)[0]}")
    target = directory / name
    if not stat.S_ISREG(os.lstat(target).st_mode):
        raise ValueError(f"{name} is not a regular file")
    if hashlib.sha256(target.read_bytes()).hexdigest() != subjects[0]["digest"].get("sha256"):
        raise ValueError(f"{name}: digest mismatch")
    return statement


def walk(directory: pathlib.Path):
    """Signatures and JSON files under directory (its cache excepted), and
    anything that is neither a regular file nor a directory."""
    sigs, jsons, odd = [], [], []
    for root, dirs, files in os.walk(directory):
        here = pathlib.Path(root)
        if here == directory and "cache" in dirs:
            dirs.remove("cache")
        for d in list(dirs):
            if os.path.islink(here / d):
                odd.append((here / d).relative_to(directory).as_posix())
                dirs.remove(d)
        for f in files:
            rel = (here / f).relative_to(directory).as_posix()
            if not stat.S_ISREG(os.lstat(here / f).st_mode):
                odd.append(rel)
            elif rel.endswith(".sig"):
                sigs.append(rel[: -len(".sig")])
            elif rel.lower().endswith(".json"):
                jsons.append(rel)
    return sorted(sigs), sorted(jsons), sorted(odd)


def main() -> int:
    directory = pathlib.Path(sys.argv[1])
    if directory.is_symlink() or not directory.is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return 1
    rel = repo_relative(directory)
    key_files = sys.argv[2:] or [str(directory / "PUBKEY.txt")]
    keys = [load_key(pathlib.Path(k).read_text()) for k in key_files]
    sigs, jsons, odd = walk(directory)
    bad = 0
    for o in odd:
        print(f"FAIL  {o}: not a regular file")
        bad += 1
    for j in jsons:
        if j not in sigs:
            print(f"FAIL  {j}: not signed ({j}.sig is missing)")
            bad += 1
    approvers = []
    if (directory / "approvers.json").is_file():
        approvers = [load_key(a["key"]) for a in json.loads((directory / "approvers.json").read_text())["approvers"]]
    for name in [s for s in sigs if s.startswith("keys/")]:  # rotation first
        try:
            check(directory, rel, name, keys)
            keys.append(load_key(json.loads((directory / name).read_text())["key"]))
        except Exception as e:
            print(f"FAIL  {name}.sig: {type(e).__name__}: {e}")
            bad += 1
    if not sigs:
        print(f"{directory}: no *.sig", file=sys.stderr)
        return 1
    for name in sigs:
        if name.startswith("keys/"):
            continue
        if name.startswith("acts/") and name.endswith("-request.json"):
            trusted = keys + approvers  # the engineer who ran the evidence asks
        elif name.startswith("acts/") or name == "approvers.json":
            trusted = approvers
        else:
            trusted = keys
        try:
            check(directory, rel, name, trusted)
            print(f"OK    {name}.sig")
        except Exception as e:  # every failure is reported, none is fatal
            print(f"FAIL  {name}.sig: {type(e).__name__}: {e}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
