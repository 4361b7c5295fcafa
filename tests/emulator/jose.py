"""Just enough JOSE for the token service: compact JWS (RS256 / PS256) encode, decode and verify."""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class JoseError(ValueError):
    """A token that is malformed or whose signature does not verify."""


def b64url_encode(data):
    """Base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """Inverse of :func:`b64url_encode`; raises :class:`JoseError` on garbage."""
    if isinstance(text, str):
        text = text.encode("ascii", "strict")
    try:
        return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise JoseError("invalid base64url") from exc


def _json_part(text):
    try:
        value = json.loads(b64url_decode(text))
    except (UnicodeDecodeError, ValueError) as exc:
        raise JoseError("invalid JSON segment") from exc
    if not isinstance(value, dict):
        raise JoseError("JSON segment is not an object")
    return value


def split(token):
    """Return ``(header, claims, signing_input, signature)`` of a compact JWS without checking the signature."""
    if not isinstance(token, str):
        raise JoseError("token is not a string")
    parts = token.split(".")
    if len(parts) != 3:
        raise JoseError("token does not have three segments")
    try:
        signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    except UnicodeEncodeError as exc:
        raise JoseError("token is not ASCII") from exc
    return _json_part(parts[0]), _json_part(parts[1]), signing_input, b64url_decode(parts[2])


def _padding(alg):
    if alg == "RS256":
        return padding.PKCS1v15()
    if alg == "PS256":
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    raise JoseError(f"unsupported alg {alg!r}")


def verify(token, public_key):
    """Verify an RS256 or PS256 compact JWS with ``public_key``; return ``(header, claims)``."""
    header, claims, signing_input, signature = split(token)
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise JoseError("only RSA keys are supported")
    try:
        public_key.verify(signature, signing_input, _padding(header.get("alg")), hashes.SHA256())
    except InvalidSignature as exc:
        raise JoseError("signature verification failed") from exc
    return header, claims


def encode(claims, private_key, kid):
    """Sign ``claims`` with RS256 under key id ``kid``."""
    header = {"typ": "JWT", "alg": "RS256", "kid": kid}
    signing_input = b64url_encode(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    signature = private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url_encode(signature)


def rsa_jwk(public_key, kid):
    """The public half of an RSA key as a JWK, the way Entra publishes its signing keys."""
    numbers = public_key.public_numbers()

    def _int(value):
        return b64url_encode(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    return {"kty": "RSA", "use": "sig", "kid": kid, "n": _int(numbers.n), "e": _int(numbers.e)}
