/*
 * config_json.h - a domain config as the "config" member of a JSON
 * object, as xl's `list -l` prints libxl_domain_config.
 */
#ifndef XPV_TOOLSTACK_CONFIG_JSON_H
#define XPV_TOOLSTACK_CONFIG_JSON_H

#include "toolstack/json.h"

struct xpv_domcfg;

void xpv_config_json(struct json *j, const struct xpv_domcfg *c);

#endif
