"""``python -m bot.zoom_emulator``: the emulator in the foreground."""

from bot.zoom_emulator.emulator import main

main()
