"""Identity and access: actors, users and tokens, the directory of users and groups, demo seed."""
