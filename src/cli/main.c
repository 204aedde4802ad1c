/*
 * floe command line: parses the verb and its options, runs it, prints the
 * result or the one-line error. The only place that prints.
 */
#include <stdio.h>
#include <string.h>

#include "floe/engine.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("floe 0.1.0\n");
		return 0;
	}
	fprintf(stderr, "usage: floe --version\n");
	return 2;
}
