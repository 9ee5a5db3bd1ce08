# xenstore-schemas/: the machine-readable schemas of the domain, console,
# vbd and vif trees (*.schema, format in schema.h), their reader
# (schema.c, compiled into xpv for `xpv check`), and xpv-schema-doc, which
# writes docs/xenstore-layout.md from them (`make xenstore-layout`;
# test-schemas.sh fails when the page is not what the schemas say).
TEST_PROGS += $(BIN)/xpv-schema-doc
TESTS += xenstore-schemas/test-schemas.sh

$(BIN)/xpv-schema-doc: $(call objs,xenstore-schemas/doc.c xenstore-schemas/schema.c)
	$(link)

xenstore-layout: $(BIN)/xpv-schema-doc
	$(BIN)/xpv-schema-doc xenstore-schemas >docs/xenstore-layout.md
.PHONY: xenstore-layout
