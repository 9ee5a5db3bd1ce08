# CONTROL commands (run with XS_DOMU=1). Not run by the tests: the texts
# are debug output; see docs/xenstore-conformance.md for what differs.
0 CONTROL check
0 CONTROL print hello
0 CONTROL log off
0 CONTROL quota
0 CONTROL quota 0
0 CONTROL quota 7
0 CONTROL quota-soft
0 CONTROL help
0 CONTROL nosuch
0 CONTROL
3 CONTROL check
