"""End-to-end encryption of clips: the format of ``docs/crypto-format.md``.

Public-key side, safe anywhere (the hub imports only these):
    keys        X25519 / Ed25519 raw encodings, key ids, fingerprints
    format      the sealed part's preamble, header, nonces, part keys, box layout
    envelope    wrap a 32-byte secret to a recipient's X25519 public key
    signing     the device signature over a part

Private-key side, for the edge and the owner's client only (never the hub):
    stream      seal a part (encrypt and sign) — the edge
    decrypt     open a part, whole or chunk by chunk
    unwrap      unwrap a wrapped key with a recipient's private key
    passphrase  seal and open a private key under an Argon2id passphrase key
    pipeline    what stream and decrypt share: SHA-256 on a second core beside the cipher

``tests/test_layers.py`` checks that no hub module imports the private side.
"""
