# Two domUs (ids 1 and 2, connections 3 and 4): each owns its home, and
# sees the other's only through the permissions the other grants.
3 WRITE x mine
4 READ /local/domain/1/x
4 WRITE /local/domain/1/y v
4 WATCH /local/domain/1/x w2
3 SET_PERMS x n1 r2
4 READ /local/domain/1/x
3 WRITE x again
3 SET_PERMS x n1 b2
4 WRITE /local/domain/1/x from2
4 GET_PERMS /local/domain/1/x
# Giving a node away: the owner may hand it to the other domU, and then
# loses all but what the new owner grants.
3 WRITE gift v
3 SET_PERMS gift n2
3 READ gift
4 READ /local/domain/1/gift
4 SET_PERMS /local/domain/1/gift n2 r1
3 READ gift
3 RM gift
4 RM /local/domain/1/gift
# dom0 makes domU 1 the target of domU 2 (a stub domain and its guest).
0 SET_TARGET 1 2
3 READ /local/domain/2
3 WRITE /local/domain/2/fromstub v
4 READ fromstub
4 GET_PERMS fromstub
