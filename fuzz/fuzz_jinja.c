/*
 * libFuzzer driver for the Jinja lexer and parser (src/jinja/jinja_parse.c)
 * through their public entries in include/floe/jinja.h: the first byte
 * picks floe_jinja_load_macros (the whole template syntax; only macro,
 * docs and materialization definitions are kept or rendered) or
 * floe_jinja_eval (one expression, parsed and evaluated with the built-in
 * functions and filters); the rest is the text. Built by
 * fuzz/CMakeLists.txt (tests/fuzz.cmake); run by CTest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "floe/jinja.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	floe_jinja *j = NULL;
	char *text;
	if (size == 0)
		return 0;
	text = floe_strndup((const char *)data + 1, size - 1);
	if (text == NULL || floe_jinja_new(&j) != 0) {
		floe_free(text);
		return 0;
	}
	if (data[0] & 1) {
		json_t *v = NULL;
		if (floe_jinja_eval(&v, j, text, "fuzz") == 0)
			json_decref(v);
	} else {
		floe_jinja_load_macros(j, text, "fuzz.sql");
	}
	floe_jinja_free(j);
	floe_free(text);
	floe_error_clear();
	return 0;
}
