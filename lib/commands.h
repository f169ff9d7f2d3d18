/*
 * commands.h - the registration functions of the command groups libkvs
 * implements. Each adds its group's static struct kvs_cmd table with
 * kvs_cmd_register(); kvs_cmd_register_builtin() (commands.c) calls them
 * all once. A duplicate command name aborts: it can only be a broken build.
 *
 * Other groups add their kvs_register_<group>() here and a call in
 * commands.c.
 */
#ifndef KVS_COMMANDS_H
#define KVS_COMMANDS_H

void kvs_register_string(void);   /* t_string.c */
void kvs_register_expire(void);   /* t_expire.c */
void kvs_register_multi(void);    /* t_multi.c */
void kvs_register_pubsub(void);   /* t_pubsub.c */
void kvs_register_slowlog(void);  /* t_slowlog.c */
void kvs_register_keys(void);     /* t_keys.c: DEL, SCAN, RENAME, SELECT... */
void kvs_register_hash(void);     /* t_hash.c: HSET..HSCAN, hash type hooks */
void kvs_register_set(void);      /* t_set.c: SADD..SSCAN, set type hooks */
void kvs_register_command(void);  /* t_command.c: COMMAND and its subcommands */
void kvs_register_bitmap(void);   /* t_bitmap.c */
void kvs_register_object(void);   /* t_object.c */
void kvs_register_sort(void);     /* t_sort.c */
void kvs_register_list(void);     /* t_list.c */
void kvs_register_zset(void);     /* t_zset.c */

#endif
