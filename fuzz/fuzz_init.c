/*
 * The start-up every fuzz driver shares (linked into each by
 * fuzz/CMakeLists.txt): the base layer's process start-up, so that JSON
 * goes through the allocation seam as in floe, and no log output.
 */
#include "floe/base.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	floe_base_init();
	floe_log_set_level(FLOE_LOG_QUIET);
	return 0;
}
