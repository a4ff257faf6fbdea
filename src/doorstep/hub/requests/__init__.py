"""Public-safety requests: agencies ask homes near a reported incident for footage.

Every request stays inside limits that are public (``policy``), over an area measured
geodesically (``geometry``); homes answer privately and share only what they choose.
"""
