# What a domU's watches may see: only nodes it may read (Xen 4.17
# watch_permitted(): the node's or, for a deleted one, its parent's perms).
0 WRITE /t/w v
3 WATCH /t/w dom
0 WRITE /t/w/x v
0 SET_PERMS /t/w n0 r1
0 WRITE /t/w/x again
0 WRITE /t/w v2
0 SET_PERMS /t/w/x n0 r1
0 WRITE /t/w/x third
0 RM /t/w/x
0 SET_PERMS /t/w n0
0 RM /t/w
# Relative watches of the domU, on its home.
3 WATCH w rel
0 WRITE /local/domain/1/w/x v
3 WRITE w/y v
0 RM /local/domain/1/w
# Special watches: a domU sees them only with read permission on them.
3 WATCH @introduceDomain intro
3 WATCH @releaseDomain rel
0 SET_PERMS @releaseDomain n0 r1
3 WATCH @releaseDomain rel2
# Privileged requests and other domains' nodes.
3 IS_DOMAIN_INTRODUCED 1
3 GET_DOMAIN_PATH 7
3 WRITE /local/domain/0/x v
3 RESET_WATCHES
0 WRITE /local/domain/1/w v
