#include "config.h"
#include "cmd.h"
#include "commands.h"

void kvs_cmd_register_builtin(void)
{
	/* Runs before any thread starts (cmd.h), so a plain flag is enough. */
	static int done;
	if (done)
		return;
	done = 1;
	kvs_register_string();
	kvs_register_expire();
	kvs_register_multi();
	kvs_register_pubsub();
	kvs_register_slowlog();
	kvs_register_keys();
	kvs_register_hash();
	kvs_register_set();
	kvs_register_command();
	kvs_register_bitmap();
	kvs_register_object();
	kvs_register_sort();
	kvs_register_list();
	kvs_register_zset();
}
