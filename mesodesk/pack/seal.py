"""The seal: a PAdES B-B signature (pyHanko) over every pack this installation writes.

Each installation has its own key, made at first use in the data folder
(``MESODESK_DATA_DIR``, else the platform's user data folder) as one file,
``seal.pem``, readable only by its owner: an RSA-3072 private key and a
self-signed certificate whose subject is the clinic's name.
:func:`certificate_pem` / :func:`export_certificate` give the certificate so a
clinic can publish it; anyone holding it can check a pack with any PAdES
validator (or ``mesodesk verify --cert``).

The seal is applied once, as an incremental update after the consultation is
embedded, and is deterministic: the signing time is taken from the
consultation (its last signature, else its date), the modification date and
the second half of the document /ID are fixed, the CMS carries no signing-time
attribute (PAdES forbids it) and RSA PKCS#1 v1.5 signatures are deterministic.
So the same consultation sealed with the same key gives the same bytes, and
the bytes before the seal are exactly the unsealed pack.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from mesodesk.domain.files import atomic_write, data_dir, fsync_dir
from mesodesk.domain.model import Consultation
from mesodesk.pack.flow import PackError

log = logging.getLogger(__name__)

KEY_FILENAME = "seal.pem"
FIELD_NAME = "MesodeskSeal"  # plain letters: found as is in the raw bytes of a damaged pack
KEY_BITS = 3072
# Room for the CMS container, in hex digits: the certificate, attributes and a
# 384-byte signature take about 3.2 KB (6.4 K digits), a long clinic name in
# four-byte characters 1 KB more; fixed so no trial signature is made to size it.
BYTES_RESERVED = 12288
# RFC 5280 4.1.2.5: 99991231235959Z means "no well-defined expiration date".
NO_EXPIRY = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)


class SealError(PackError):
    """The installation's seal key cannot be made or read (one sentence)."""


@dataclass(frozen=True)
class SealKey:
    """This installation's key and certificate, loaded once per process."""

    path: Path
    private_key: object          # cryptography RSAPrivateKey
    certificate_der: bytes

    @property
    def certificate_pem(self) -> bytes:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        cert = x509.load_der_x509_certificate(self.certificate_der)
        return cert.public_bytes(serialization.Encoding.PEM)

    @property
    def certificate_sha256(self) -> str:
        return hashlib.sha256(self.certificate_der).hexdigest()


def key_path() -> Path:
    return data_dir() / KEY_FILENAME


_LOCK = threading.Lock()
_CACHE: dict[Path, tuple[float, int, SealKey]] = {}


def installation_key(clinic: str = "", *, create: bool = True) -> SealKey | None:
    """This installation's seal key, made at first use with a certificate naming
    ``clinic`` (kept afterwards even if the clinic is renamed: a new name would
    mean a new certificate, and earlier packs name the old one). None when
    there is none and ``create`` is false. Raises SealError (one sentence)."""
    path = key_path()
    with _LOCK:
        try:
            st = path.stat()
        except FileNotFoundError:
            if not create:
                return None
            _create(path, clinic)
            st = path.stat()
        except OSError as exc:
            raise SealError(f"the seal key {path} cannot be read ({exc.strerror})") from None
        cached = _CACHE.get(path)
        if cached is not None and cached[:2] == (st.st_mtime, st.st_ino):
            return cached[2]
        key = _load(path, st)
        _CACHE[path] = (st.st_mtime, st.st_ino, key)
        return key


def _subject_name(clinic: str) -> str:
    name = " ".join(clinic.split()) or "mesodesk installation"
    return name[:64]  # X.509 upper bound for a common name


def _create(path: Path, clinic: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    log.info("creating this installation's seal key in %s", path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise SealError(f"the data folder {path.parent} cannot be created "
                        f"({exc.strerror})") from None
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    subject = _subject_name(clinic)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME,
                                         "mesodesk pack seal")])
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True,
                          key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(NO_EXPIRY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    pem = (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
           + cert.public_bytes(serialization.Encoding.PEM))
    # Written beside, then linked into place: link() refuses when another process
    # made the key first, so every pack of an installation carries one key.
    fd, tmp = tempfile.mkstemp(prefix=".seal.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            log.info("another process made the seal key first; using it")
        except OSError:  # a file system without hard links
            if not path.exists():
                atomic_write(path, pem, mode=0o600)
    except OSError as exc:
        raise SealError(f"the seal key cannot be written to {path} ({exc.strerror})") from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    fsync_dir(path.parent)


def _load(path: Path, st: os.stat_result) -> SealKey:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the seal key %s was readable by others; made owner-only again", path)
        try:
            os.chmod(path, 0o600)
        except OSError as exc:
            raise SealError(f"the seal key {path} is readable by others and cannot be "
                            f"made private ({exc.strerror})") from None
    try:
        pem = path.read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        cert = x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE-----"):])
    except OSError as exc:
        raise SealError(f"the seal key {path} cannot be read ({exc.strerror})") from None
    except ValueError:
        raise SealError(f"the seal key {path} is damaged; restore it from a backup "
                        "(a new key cannot prove the packs the old one sealed)") from None
    from cryptography.hazmat.primitives.asymmetric import rsa

    if not isinstance(key, rsa.RSAPrivateKey) or key.public_key() != cert.public_key():
        raise SealError(f"the seal key {path} does not match its certificate")
    return SealKey(path, key, cert.public_bytes(serialization.Encoding.DER))


def certificate_pem(clinic: str = "") -> bytes:
    """This installation's seal certificate (PEM). The key is made now, its
    certificate naming ``clinic``, if the installation has none yet."""
    key = installation_key(clinic)
    assert key is not None
    return key.certificate_pem


def export_certificate(out: str | os.PathLike[str], clinic: str = "") -> Path:
    """Write this installation's seal certificate (PEM) to ``out`` atomically and
    return the path. The key is made now, naming ``clinic``, if there is none."""
    key = installation_key(clinic)
    assert key is not None
    path = Path(out)
    try:
        atomic_write(path, key.certificate_pem, mode=0o644)
    except OSError as exc:
        raise SealError(f"{path}: cannot be written ({exc.strerror})") from None
    return path


# -- sealing -----------------------------------------------------------------------------


def signing_time(consultation: Consultation) -> dt.datetime:
    """The seal's stated time, from the consultation itself (so sealing again
    gives the same bytes): its latest signature, else noon UTC on its date."""
    times = []
    for sig in consultation.consent.signatures:
        try:
            t = dt.datetime.fromisoformat(sig.signed_at.replace("Z", "+00:00"))
        except ValueError:
            continue
        times.append(t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc))
    if times:
        return max(times).astimezone(dt.timezone.utc).replace(microsecond=0)
    d = consultation.date
    return dt.datetime(d.year, d.month, d.day, 12, tzinfo=dt.timezone.utc)


def seal_pdf(pdf: bytes, when: dt.datetime, key: SealKey) -> bytes:
    """``pdf`` with the seal appended as an incremental update."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner

    fixed_id = generic.ByteStringObject(hashlib.sha256(pdf).digest()[:16])

    class _Writer(IncrementalPdfFileWriter):
        @classmethod
        def _handle_id(cls, prev):  # the new /ID half: from the content, not random
            first = super()._handle_id(prev)[0]
            return generic.ArrayObject([first, fixed_id])

        def _update_meta(self) -> None:  # pyHanko stamps the wall-clock time here
            super()._update_meta()
            if self._info is not None:
                info = self._info.get_object()
                if "/ModDate" in info:
                    info["/ModDate"] = generic.pdf_date(when)

    class _Signer(PdfSigner):
        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = when  # the signature dictionary's /M
            return session

    writer = _Writer(io.BytesIO(pdf), strict=False)
    meta = PdfSignatureMetadata(field_name=FIELD_NAME, md_algorithm="sha256",
                                subfilter=fields.SigSeedSubFilter.PADES,
                                reason="mesodesk pack seal: unaltered since it was made",
                                name=_common_name(key))
    out = _Signer(meta, _signer(key)).sign_pdf(writer, bytes_reserved=BYTES_RESERVED)
    return out.getvalue()


def seal_pack(pdf: bytes, consultation: Consultation) -> bytes:
    """The pack sealed with this installation's key (made now if needed)."""
    key = installation_key(consultation.clinic.name)
    assert key is not None
    return seal_pdf(pdf, signing_time(consultation), key)


def _common_name(key: SealKey) -> str:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(key.certificate_der)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


_SIGNERS: dict[bytes, object] = {}


def _signer(key: SealKey):
    """A pyHanko signer using the already loaded key (pyHanko's SimpleSigner
    parses and re-checks the private key on every signature)."""
    cached = _SIGNERS.get(key.certificate_der)
    if cached is not None:
        return cached
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from pyhanko.sign.signers.pdf_cms import Signer
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(key.certificate_der)
    private = key.private_key
    digests = {"sha256": hashes.SHA256()}

    class _KeySigner(Signer):
        async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                                 dry_run: bool = False) -> bytes:
            if dry_run:
                return bytes(KEY_BITS // 8)
            return private.sign(data, padding.PKCS1v15(),  # type: ignore[attr-defined]
                                digests[digest_algorithm])

    signer = _KeySigner(signing_cert=cert,
                        cert_registry=SimpleCertificateStore.from_certs([cert]))
    if len(_SIGNERS) > 4:
        _SIGNERS.clear()
    _SIGNERS[key.certificate_der] = signer
    return signer
