"""Verify sei's evidence with securesystemslib and in-toto (PyPI),
independently of sei's Go code, loading keys and envelopes the standard way:
SSlibKey.from_crypto (its default keyid) and in-toto's Metadata.load.

Usage: python verify_sslib.py DIR [--lock LOCK] [TRUSTED_KEY_FILE...]
DIR is the evidence directory; trusted keys are hex SEC1 (PUBKEY.txt's form)
or PEM, default the DIR/PUBKEY.txt first committed on HEAD's first-parent
history, or the work tree's outside git (trust on first use). Keys endorsed in
DIR/keys/*.json by a trusted key are trusted too; acts (DIR/acts/*) and
DIR/approvers.json are checked against the keys approvers.json lists (a
request also against the evidence keys).

Checks, as sei verify does: each X.sig verifies with a trusted key and its
Statement has exactly one subject, X by its repository-relative path (or, for
the original engine's predicate type, its path inside DIR), with X's SHA-256;
every JSON file (any case of the extension) is signed; anything that is not a
regular file or a directory is an error; PUBKEY.txt names a trusted key; the
lock (LOCK, default DIR/../sei.lock when present) anchors bundle.json.sig, is
not empty beside evidence, and agrees with the binding the bundle signs; the
bundle is the system of the sei.yaml beside the lock (program uid). What it
does not do is recompute the tree's digests (BLAKE3 over the graph): whether
the evidence describes the current tree is `sei verify`'s and `sei status`'s.
Exit 0 when all holds, 1 otherwise.
"""
import hashlib
import json
import os
import pathlib
import stat
import subprocess
import sys
import uuid

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


def git(directory: pathlib.Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, check=True).stdout


def repo_relative(directory: pathlib.Path) -> str:
    real = directory.resolve()
    try:
        top = git(real, "rev-parse", "--show-toplevel").strip()
    except (OSError, subprocess.CalledProcessError):
        top = str(real.parent)
    return os.path.relpath(real, top).replace(os.sep, "/")


def first_committed_key(directory: pathlib.Path, rel: str):
    """PUBKEY.txt as first committed on HEAD's first-parent history, or None."""
    try:
        commits = git(directory, "rev-list", "--first-parent", "--reverse", "HEAD", "--", f":(top){rel}/PUBKEY.txt").split()
        if commits:
            return load_key(git(directory, "show", f"{commits[0]}:{rel}/PUBKEY.txt"))
    except (OSError, subprocess.CalledProcessError):
        pass
    return None


def check_lock(directory: pathlib.Path, lock: pathlib.Path, root: pathlib.Path) -> list:
    """Problems of the lock's anchor and agreement, and of the bundle's system."""
    problems = []
    data = json.loads(lock.read_text())
    sig, bundle = directory / "bundle.json.sig", directory / "bundle.json"
    if not sig.is_file():
        if data.get("signed_bundle_digest") or data.get("sections"):
            problems.append(f"{lock.name}: records a run, but bundle.json.sig is missing")
        return problems
    env = sig.read_bytes()
    want = data.get("signed_bundle_digest", "")
    if not want:
        problems.append(f"{lock.name}: signed_bundle_digest is empty, but evidence exists")
    elif want not in ("sha256:" + hashlib.sha256(env).hexdigest(), env.decode()):
        problems.append(f"{lock.name}: signed_bundle_digest does not anchor bundle.json.sig")
    b = json.loads(bundle.read_text()).get("computed_from")
    if b is not None:
        mine = {"program_uid": data.get("program_uid"), "commit": data.get("triple", {}).get("code"),
                "sections": data.get("sections"), "inputs": data.get("inputs")}
        theirs = {k: b.get(k) for k in ("program_uid", "commit", "sections", "inputs")}
        if mine != theirs:
            problems.append(f"{lock.name}: disagrees with the bundle it anchors")
        manifest = root / "sei.yaml"
        if manifest.is_file():
            import yaml  # PyYAML, in .venv with compliance-trestle
            name = (yaml.safe_load(manifest.read_text()) or {}).get("system", {}).get("name", "")
            if str(uuid.uuid5(uuid.NAMESPACE_URL, name)) != b.get("program_uid"):
                problems.append(f"bundle.json: evidence from another system (program_uid {b.get('program_uid')})")
    return problems


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


def trusted_keys(directory: pathlib.Path, rel: str, key_files: list) -> list:
    if key_files:
        return [load_key(pathlib.Path(k).read_text()) for k in key_files]
    first = first_committed_key(directory, rel)
    return [first] if first else [load_key((directory / "PUBKEY.txt").read_text())]


def main() -> int:
    args = sys.argv[1:]
    directory = pathlib.Path(args.pop(0))
    lock = directory / ".." / "sei.lock"
    if args[:1] == ["--lock"]:
        lock = pathlib.Path(args[1])
        args = args[2:]
    if directory.is_symlink() or not directory.is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return 1
    rel = repo_relative(directory)
    keys = trusted_keys(directory, rel, args)
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
    if (directory / "PUBKEY.txt").is_file():
        own = load_key((directory / "PUBKEY.txt").read_text())
        if all(own.keyid != k.keyid for k in keys):
            print(f"FAIL  PUBKEY.txt: names key {own.keyid[:12]}, which no trusted key endorses")
            bad += 1
    if lock.is_file():
        for p in check_lock(directory, lock, lock.resolve().parent):
            print(f"FAIL  {p}")
            bad += 1
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
