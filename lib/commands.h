/*
 * commands.h - registration of the command groups libkvs implements.
 *
 * Each t_*.c file keeps its commands in a static struct kvs_cmd array and
 * exposes one function that adds it to the registry (cmd.h). They are
 * called once, before any thread runs, by kvs_cmd_register_builtin()
 * (commands.c); a duplicate command name is a build error and aborts.
 */
#ifndef KVS_COMMANDS_H
#define KVS_COMMANDS_H

void kvs_register_keys(void);     /* t_keys.c: DEL, SCAN, RENAME, SELECT... */
void kvs_register_command(void);  /* t_command.c: COMMAND and its subcommands */

#endif
