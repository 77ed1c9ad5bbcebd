"""A local CA and a server certificate, generated on first start and reused after.

Nothing is committed: the files live in a state directory (by default under the user's cache).
Clients verify the server with the printed CA file: `curl --cacert`, `OKROUTE_CA_BUNDLE`.
"""

from __future__ import annotations

import fcntl
import json
import os
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme

DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")


def default_state_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "okroute-mock" / "tls"


@dataclass(frozen=True)
class TlsFiles:
    ca: Path  # the CA certificate clients trust
    server: Path  # the server's key and certificate chain

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server)
        return context


@contextmanager
def _locked(directory: Path):
    """One process at a time makes certificates: two mocks starting together share one CA."""
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_certificates(directory: Path, names: tuple[str, ...] = DEFAULT_NAMES) -> TlsFiles:
    """The CA and server files in `directory`, made now if missing or issued for other names."""
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory):
        return _ensure(directory, names)


def _ensure(directory: Path, names: tuple[str, ...]) -> TlsFiles:
    files = TlsFiles(directory / "ca.pem", directory / "server.pem")
    manifest = directory / "names.json"
    wanted = sorted(set(names))
    if files.ca.exists() and files.server.exists() and manifest.exists():
        try:
            if json.loads(manifest.read_text()) == wanted:
                return files
        except ValueError:
            pass
    ca = trustme.CA(organization_name="okroute-mock local CA")
    cert = ca.issue_cert(*wanted)
    ca.cert_pem.write_to_path(str(files.ca))
    cert.private_key_and_cert_chain_pem.write_to_path(str(files.server))
    os.chmod(files.server, 0o600)
    manifest.write_text(json.dumps(wanted))
    return files
