# Integration tests: real clients against a kvsd spawned on an ephemeral port.
# tests/integration/run.sh runs them (see its header for the environment);
# it finds ./src/kvsd in the build tree it is started from.
EXTRA_DIST += \
	tests/integration/run.sh \
	tests/integration/pytest.ini \
	tests/integration/conftest.py \
	tests/integration/resp.py \
	tests/integration/util.py \
	tests/integration/netns_probe.py \
	tests/integration/test_clients.py \
	tests/integration/test_config_file.py \
	tests/integration/test_connection.py \
	tests/integration/test_expire.py \
	tests/integration/test_keys.py \
	tests/integration/test_lists.py \
	tests/integration/test_protected_mode.py \
	tests/integration/test_protocol.py \
	tests/integration/test_resp3.py \
	tests/integration/test_server.py \
	tests/integration/test_snapshot.py \
	tests/integration/test_strings.py \
	tests/integration/test_maxmemory.py \
	tests/integration/test_pubsub.py \
	tests/integration/test_multi.py \
	tests/integration/test_admin.py \
	tests/integration/test_bitmaps.py \
	tests/integration/test_object.py \
	tests/integration/test_hash_set.py \
	tests/integration/test_zsets.py

TESTS += tests/integration/run.sh
