# Integration tests: real clients against a kvsd spawned on an ephemeral port.
