"""Certificates for the emulator: a throw-away CA, the loopback server certificate and app client certificates."""

import datetime
import functools
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=7)
_BACKDATE = datetime.timedelta(hours=1)


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "jitaccess.entra test emulator"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _write(path, data):
    with open(path, "wb") as handle:
        handle.write(data)
    return path


class ServerTLS:  # pylint: disable=too-few-public-methods
    """A CA and a server certificate for 127.0.0.1 / localhost signed by it, written as PEM files into ``directory``."""

    def __init__(self, directory):
        now = datetime.datetime.now(datetime.timezone.utc)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("jitaccess.entra emulator CA")
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        server_key = ec.generate_private_key(ec.SECP256R1())
        server_cert = (
            x509.CertificateBuilder()
            .subject_name(_name("localhost"))
            .issuer_name(ca_name)
            .public_key(server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("localhost"),
            ]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_path = _write(os.path.join(directory, "ca.pem"), ca_cert.public_bytes(serialization.Encoding.PEM))
        self.cert_path = _write(os.path.join(directory, "server.pem"), server_cert.public_bytes(serialization.Encoding.PEM))
        self.key_path = _write(os.path.join(directory, "server.key"), _pem_key(server_key))
        os.chmod(self.key_path, 0o600)


@functools.lru_cache(maxsize=1)
def _client_key():
    """The RSA key behind every tenant's client certificate, generated once per process: a 2048-bit key takes long
    enough that one per tenant slowed every test that adds a tenant. Each tenant still gets a certificate of its own,
    and the token service accepts an assertion only under the thumbprint of the app's own certificate."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class ClientCertificate:
    """A self-signed RSA certificate an app registration authenticates with (what a customer uploads to Entra)."""

    def __init__(self, common_name):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.key = _client_key()
        name = _name(common_name)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(self.key, hashes.SHA256())
        )
        self.sha1 = self.cert.fingerprint(hashes.SHA1())  # nosec - x5t is defined as a SHA-1 thumbprint
        self.sha256 = self.cert.fingerprint(hashes.SHA256())

    def __deepcopy__(self, memo):
        # Immutable once made (a key and a signed certificate): a tenant snapshot shares it.
        return self

    def public_key(self):
        """The key client assertions are verified with."""
        return self.cert.public_key()

    def pem(self):
        """Certificate followed by the unencrypted private key, the layout azure-identity's CertificateCredential reads."""
        return self.cert.public_bytes(serialization.Encoding.PEM) + _pem_key(self.key)

    def write(self, path):
        """Write :meth:`pem` to ``path`` (mode 0600) and return the path."""
        _write(path, self.pem())
        os.chmod(path, 0o600)
        return path
