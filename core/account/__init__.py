"""The signed-in person's own account: profile, preferences, avatar, password, deletion."""
