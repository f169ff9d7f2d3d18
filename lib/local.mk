# libkvs: the pure engine (C11 + POSIX threads; no I/O library headers).
noinst_LIBRARIES += lib/libkvs.a
lib_libkvs_a_SOURCES = \
	lib/env.h \
	lib/buf.h lib/buf.c \
	lib/resp.h lib/resp.c \
	lib/hash.h lib/hash.c \
	lib/hlc.h \
	lib/table.h lib/table.c \
	lib/entry.h lib/entry.c \
	lib/keyspace.h lib/keyspace.c \
	lib/snap.h lib/snap.c \
	lib/cmd.h lib/cmd.c \
	lib/reply.c \
	lib/commands.h lib/commands.c \
	lib/util.h lib/util.c \
	lib/glob.c \
	lib/t_string.c \
	lib/t_bitmap.c \
	lib/t_object.c \
	lib/t_sort.c \
	lib/t_keys.c \
	lib/t_expire.c \
	lib/t_command.c \
	lib/t_multi.c \
	lib/outbox.h lib/outbox.c \
	lib/t_pubsub.c \
	lib/block.h lib/block.c \
	lib/t_slowlog.c \
	lib/evict.h lib/evict.c \
	lib/encoding.h lib/encoding.c \
	lib/object.h lib/object.c \
	lib/t_hash.c \
	lib/t_set.c \
	lib/list.h lib/list.c \
	lib/t_list.c \
	lib/zset.h lib/zset.c \
	lib/t_zset.h lib/t_zset.c lib/t_zsetops.c
