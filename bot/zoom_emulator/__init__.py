"""The Zoom emulator: Zoom's REST API and S2S OAuth over real HTTP on loopback.

Apart from the production client (``bot/zoom/``) on purpose: nothing in production
imports it but sandbox mode, which starts it when no Zoom credentials are set. Run it
alone with ``python -m bot.zoom_emulator --port 9099``.
"""

from bot.zoom_emulator.emulator import ZoomEmulator

__all__ = ["ZoomEmulator"]
