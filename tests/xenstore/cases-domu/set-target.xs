# XS_SET_TARGET: a domain given a target acts with the target's rights
# (Xen: a stub domain serving its guest). Here the domU (1) gets dom0 as
# its target and then may act on dom0's nodes as their owner.
0 WRITE /t v
3 READ /t
0 SET_TARGET 1 0
3 READ /t
3 WRITE /t/x y
0 GET_PERMS /t/x
3 SET_PERMS /t n0 r1
3 SET_PERMS /t n1
0 GET_PERMS /t
# Domains that do not exist, bad arguments, and only dom0 may ask.
0 SET_TARGET 1 7
0 SET_TARGET 7 1
0 SET_TARGET 1
0 SET_TARGET x 0
3 SET_TARGET 1 0
