"""Verifies an RS256 OIDC ID token against a JWKS as a relying party would, with plain RSA
arithmetic (PKCS#1 v1.5 over SHA-256), so the tests need no JWT library.

As a module: verify(token, jwks) -> claims (raises AssertionError when it does not verify).
As a command: id_token.py TOKEN_JSON_FILE JWKS_FILE prints the claims as JSON; exit 1 when
the signature does not verify. TOKEN_JSON_FILE is the {"value": "<JWT>"} answer of the
token request endpoint.
"""
import base64
import hashlib
import json
import sys


def b64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify(token, jwks):
    head, body, sig = token.split(".")
    header = json.loads(b64(head))
    assert header["alg"] == "RS256", header
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    n = int.from_bytes(b64(key["n"]), "big")
    e = int.from_bytes(b64(key["e"]), "big")
    size = (n.bit_length() + 7) // 8
    em = pow(int.from_bytes(b64(sig), "big"), e, n).to_bytes(size, "big")
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420")
    digest = hashlib.sha256(f"{head}.{body}".encode()).digest()
    padding = b"\xff" * (size - 3 - len(digest_info) - len(digest))
    expected = b"\x00\x01" + padding + b"\x00" + digest_info + digest
    assert em == expected, "the RS256 signature does not verify against the JWKS"
    return json.loads(b64(body))


if __name__ == "__main__":
    try:
        claims = verify(json.load(open(sys.argv[1]))["value"], json.load(open(sys.argv[2])))
    except (AssertionError, StopIteration, ValueError, KeyError) as e:
        print(f"id_token.py: {e!r}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(claims))
