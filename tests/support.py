"""Helpers several test folders share (`from tests.support import ...`, as pytest runs from the repo root)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import json
import subprocess
import time
from pathlib import Path


def self_signed_certificate(folder: Path, names: list[str], ca: bool = False) -> tuple[Path, Path, str]:
    """A throwaway certificate for the DNS `names` and 127.0.0.1, made at test time: its PEM file, its
    key's PEM file and the base64 SHA-256 of its public key (what Chromium's SPKI pin flag takes)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.SubjectAlternativeName([*map(x509.DNSName, names),
                                                           x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                              critical=False))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    cert = builder.sign(key, hashes.SHA256())
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return cert_path, key_path, base64.b64encode(hashlib.sha256(spki).digest()).decode()


def wait_for_checkpoint(process: subprocess.Popen, state: Path, at_least: int, timeout: float) -> tuple[int, str]:
    """Poll a running scan's checkpoint state until it has scored `at_least` messages (or the process
    ended, or `timeout` passed): the count it reached and the state file's text, for interruption tests."""
    done, text = 0, ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            text = state.read_text()
            done = json.loads(text)["done"]
        except (OSError, ValueError, KeyError):
            done = 0
        if done >= at_least:
            break
        time.sleep(0.01)
    return done, text
