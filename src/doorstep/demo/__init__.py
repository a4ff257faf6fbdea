"""`doorstep up`'s demo neighbourhood: its data, keys, edge and request.

It sits above the hub, the edge and the owner's and agency's clients, and plays each of
them on one machine; none of them imports it, and no hub module imports a client
(tests/test_layers.py).
"""
