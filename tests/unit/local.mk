# Check unit suites, one per module.
if HAVE_CHECK
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/src
UNIT_LDADD = lib/libkvs.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/check_resp
tests_unit_check_resp_SOURCES = tests/unit/check_resp.c tests/unit/testenv.h
tests_unit_check_resp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_resp_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_config
tests_unit_check_config_SOURCES = tests/unit/check_config.c src/config.c
tests_unit_check_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_config_LDADD = $(UNIT_LDADD)

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

TESTS += $(check_PROGRAMS)
endif
