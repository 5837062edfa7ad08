"""The signed-in user's own account: security keys, recovery codes and their reviewer key."""
