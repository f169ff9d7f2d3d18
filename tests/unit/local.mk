# Check unit suites, one per module.
if HAVE_CHECK
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/src
UNIT_LDADD = lib/libkvs.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/check_resp
tests_unit_check_resp_SOURCES = tests/unit/check_resp.c
tests_unit_check_resp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_resp_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_config
tests_unit_check_config_SOURCES = tests/unit/check_config.c tests/unit/configtest.h src/config.c
# The test reads etc/kvsd.conf and doc/kvsd.conf.5 from the source tree.
tests_unit_check_config_CFLAGS = $(UNIT_CFLAGS) -DKVSD_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_check_config_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_config_redis
tests_unit_check_config_redis_SOURCES = tests/unit/check_config_redis.c tests/unit/configtest.h src/config.c
tests_unit_check_config_redis_CFLAGS = $(UNIT_CFLAGS) -DKVSD_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_check_config_redis_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_hash
tests_unit_check_hash_SOURCES = tests/unit/check_hash.c
tests_unit_check_hash_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_hash_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_keyspace
tests_unit_check_keyspace_SOURCES = tests/unit/check_keyspace.c tests/unit/testenv.h
tests_unit_check_keyspace_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_keyspace_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_string
tests_unit_check_t_string_SOURCES = tests/unit/check_t_string.c tests/unit/exec_fixture.h tests/unit/testenv.h
tests_unit_check_t_string_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_string_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_expire
tests_unit_check_t_expire_SOURCES = tests/unit/check_t_expire.c tests/unit/exec_fixture.h tests/unit/testenv.h
tests_unit_check_t_expire_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_expire_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_keys
tests_unit_check_t_keys_SOURCES = tests/unit/check_t_keys.c tests/unit/testcmd.h tests/unit/testenv.h
tests_unit_check_t_keys_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_keys_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_command
tests_unit_check_t_command_SOURCES = tests/unit/check_t_command.c tests/unit/testcmd.h tests/unit/testenv.h
tests_unit_check_t_command_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_command_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_table
tests_unit_check_table_SOURCES = tests/unit/check_table.c tests/unit/testenv.h
tests_unit_check_table_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_table_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_hash
tests_unit_check_t_hash_SOURCES = tests/unit/check_t_hash.c tests/unit/typetest.h tests/unit/testcmd.h tests/unit/testenv.h
tests_unit_check_t_hash_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_hash_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_set
tests_unit_check_t_set_SOURCES = tests/unit/check_t_set.c tests/unit/typetest.h tests/unit/testcmd.h tests/unit/testenv.h
tests_unit_check_t_set_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_set_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_bitmap
tests_unit_check_t_bitmap_SOURCES = tests/unit/check_t_bitmap.c tests/unit/exec_fixture.h tests/unit/testenv.h
tests_unit_check_t_bitmap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_bitmap_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_object
tests_unit_check_t_object_SOURCES = tests/unit/check_t_object.c tests/unit/exec_fixture.h tests/unit/testenv.h
tests_unit_check_t_object_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_object_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_list
tests_unit_check_t_list_SOURCES = tests/unit/check_t_list.c tests/unit/exec_fixture.h tests/unit/client_fixture.h tests/unit/testenv.h
tests_unit_check_t_list_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_list_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_t_zset
tests_unit_check_t_zset_SOURCES = tests/unit/check_t_zset.c tests/unit/exec_fixture.h tests/unit/client_fixture.h tests/unit/testenv.h
tests_unit_check_t_zset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_t_zset_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_snap
tests_unit_check_snap_SOURCES = tests/unit/check_snap.c tests/unit/testenv.h
tests_unit_check_snap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_snap_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_object
tests_unit_check_object_SOURCES = tests/unit/check_object.c
tests_unit_check_object_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_object_LDADD = $(UNIT_LDADD)

TESTS += $(check_PROGRAMS)
endif
