# kvsd: the daemon (sockets, threads, files, signals).
sbin_PROGRAMS += src/kvsd
src_kvsd_SOURCES = \
	src/main.c \
	src/kvsconf.h src/config.c \
	src/log.h src/log.c \
	src/server.h src/server.c \
	src/conn.h src/conn.c \
	src/cmd_server.c
src_kvsd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(JEMALLOC_CFLAGS)
src_kvsd_LDADD = lib/libkvs.a $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(JEMALLOC_LIBS)
