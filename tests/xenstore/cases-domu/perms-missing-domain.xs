# Permissions naming domains that do not exist (run with a domU, so that
# both daemons know which domains exist: dom0 and the domU, id 1).
# Xen 4.17 (XSA-322): an owner that does not exist makes SET_PERMS fail
# with ENOENT; an entry for another missing domain is kept but ignored.
0 WRITE /t v
0 SET_PERMS /t n32752
0 SET_PERMS /t r99999999999 n1
0 GET_PERMS /t
0 SET_PERMS /t n0 r7 w1
0 GET_PERMS /t
# The domU sees /t through its w1 entry (write implies nothing for read)
3 READ /t
3 WRITE /t x
0 READ /t
