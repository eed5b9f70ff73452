"""Zoom's webhooks: the inbound front end for live host duties.

``route.py`` answers ``POST /zoom/webhook`` (signature, URL validation), ``events.py``
reads Zoom's JSON into the core's events, ``live_runner.py`` keeps state, timers and
nudges (:mod:`commands.live` decides). Apart from the Zoom client (``bot/zoom/``),
which only calls Zoom.
"""
