/*
 * commands.h - the command groups libkvs implements.
 *
 * Each group's file (t_hash.c, t_set.c, ...) has one kvs_register_xxx()
 * that fills its kvs_type_ops hooks (for PTR-encoded types) and registers
 * its command table with kvs_cmd_register(). kvs_cmd_register_builtin()
 * (cmd.h) calls them all once, before any thread starts.
 */
#ifndef KVS_COMMANDS_H
#define KVS_COMMANDS_H

#include "cmd.h"

void kvs_register_hash(void);
void kvs_register_set(void);

#endif
