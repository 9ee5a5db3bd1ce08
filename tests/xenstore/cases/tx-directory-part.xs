# DIRECTORY_PART inside a transaction lists the transaction's view of the
# node, as DIRECTORY does: here the child written in the transaction, and
# the child another connection removed after the transaction had copied
# the parent (Xen 4.17 transactions work on copies of the nodes they
# touched; the rest they read from the store as it is now).
0 WRITE /d/a v
0 WRITE /d/b v
1 TRANSACTION_START -
1 WRITE@T1 /d/c v
0 RM /d/b
1 DIRECTORY@T1 /d
1 DIRECTORY_PART@T1 /d 0
0 DIRECTORY /d
0 DIRECTORY_PART /d 0
1 TRANSACTION_END@T1 T
# A node the transaction has not touched is read as it is now.
0 WRITE /e/a v
1 TRANSACTION_START -
0 WRITE /e/b v
1 DIRECTORY@T2 /e
1 DIRECTORY_PART@T2 /e 0
1 TRANSACTION_END@T2 F
