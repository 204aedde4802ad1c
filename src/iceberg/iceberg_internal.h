/*
 * Private declarations shared by the files of the iceberg layer.
 */
#ifndef FLOE_ICEBERG_INTERNAL_H
#define FLOE_ICEBERG_INTERNAL_H

#include "floe/iceberg.h"

struct floe_ice_metadata {
	json_t *root; /* the whole metadata document */
	char *name;   /* the file it was parsed from, for errors; NULL if built */
};

/* The metadata file m was parsed from (for errors), or NULL. */
const char *floe_ice_metadata_name(const floe_ice_metadata *m);

/* Take over root (a JSON object) as metadata; NULL on allocation failure. */
floe_ice_metadata *floe_ice_metadata_wrap(json_t *root);
/* Check the v2 required fields and cross references; name is for errors. */
int floe_ice_metadata_validate(const json_t *root, const char *name);

#endif
