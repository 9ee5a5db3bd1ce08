# Per-domain accounting as CONTROL quota <domid> shows it (XS_DOMU=1).
# Not run by the tests: node counts agree for a domU, the memory figure
# and dom0's node count do not (docs/xenstore-conformance.md).
0 CONTROL quota 1
3 WRITE a v
3 WRITE b/c v
0 CONTROL quota 1
3 WATCH a tok
3 TRANSACTION_START -
0 CONTROL quota 1
0 CONTROL quota 0
0 WRITE /q v
0 CONTROL quota 0
