# A node created and deleted again in one transaction fires no watch at
# commit: there was no change to see (Xen 4.17 transaction.c records no
# permissions for a node that did not exist, so fire_watches finds
# nothing to check them against and sends nothing).
0 WRITE /t -
0 WATCH /t tok
1 TRANSACTION_START -
1 WRITE@T1 /t/c/b v
1 RM@T1 /t/c
1 TRANSACTION_END@T1 T
# The same with a node that existed before: its removal is seen.
0 WRITE /t/d v
1 TRANSACTION_START -
1 RM@T2 /t/d
1 WRITE@T2 /t/d/e v
1 RM@T2 /t/d
1 TRANSACTION_END@T2 T
