"""Microsoft Teams: messages to the bot, its card buttons, installations."""
