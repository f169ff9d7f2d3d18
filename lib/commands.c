#include "config.h"
#include "commands.h"

void kvs_cmd_register_builtin(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	kvs_register_hash();
	kvs_register_set();
}
