"""The public, append-only audit log, checkable by anyone like Certificate Transparency.

``merkle`` is the pure RFC 9162 tree: hashing, roots from stored perfect subtrees,
inclusion and consistency proofs and their verification, and the streaming builder;
``entries`` is the canonical public form of an entry; ``checkpoint`` the signed tree
heads; ``verify`` replays a whole log offline against its checkpoints. Appending and
storage (the ``(level, index) -> hash`` node table) live in the hub, ``doorstep.hub.audit``.
"""
