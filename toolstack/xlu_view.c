/*
 * xlu_view.c - walk libxlutil's settings list (see xlu_view.h for why).
 *
 * The structs below mirror the layout of Xen 4.17's libxlu_internal.h:
 * the fields up to the last one read here, in order, with their types. A
 * different libxlutil would be caught by test-config.sh, which checks the
 * keys and lines of a known file.
 */
#include <stdbool.h>
#include <stddef.h>

#include "toolstack/xlu_view.h"

struct view_loc { /* YYLTYPE */
	int first_line, first_column, last_line, last_column;
};

struct view_list { /* struct XLU_ConfigList */
	int avalues, nvalues;
	struct view_value **values;
};

struct view_value { /* struct XLU_ConfigValue */
	enum XLU_ConfigValueType type;
	union {
		char *string;
		struct view_list list;
	} u;
	struct view_loc loc;
};

struct view_setting { /* XLU_ConfigSetting */
	struct view_setting *next;
	char *name;
	struct view_value *value;
	enum XLU_Operation op;
	int lineno;
};

struct view_config { /* struct XLU_Config */
	struct view_setting *settings;
};

xlu_view_pos xlu_view_first(const XLU_Config *cfg)
{
	return ((const struct view_config *)cfg)->settings;
}

xlu_view_pos xlu_view_next(xlu_view_pos pos, struct xlu_view_setting *out)
{
	const struct view_setting *set = pos;

	out->name = set->name;
	out->line = set->lineno;
	out->is_list = set->value && set->value->type == XLU_LIST;
	return set->next;
}

int xlu_view_item_line(const XLU_ConfigList *list, int entry)
{
	const struct view_list *l = (const struct view_list *)list;

	if (entry < 0 || entry >= l->nvalues || !l->values[entry])
		return 0;
	return l->values[entry]->loc.first_line;
}
