# XS_RELEASE of domU 2 (connection 4), at the end of the script since its
# ring is not served afterwards: @releaseDomain fires to those allowed to
# see it, the domain is no longer introduced, and what becomes of the
# nodes it owned.
0 WATCH @releaseDomain rel0
3 WATCH @releaseDomain rel1
0 SET_PERMS @releaseDomain n0 r1
3 WATCH @releaseDomain rel1b
3 WATCH @introduceDomain intro1
4 WRITE mine v
0 WRITE /t/given v
0 SET_PERMS /t/given n2 r1
0 WATCH /t w
0 WATCH /local/domain/2 w2
3 WATCH /t/given w1
0 RELEASE 2
0 IS_DOMAIN_INTRODUCED 2
0 READ /local/domain/2/mine
0 GET_PERMS /local/domain/2
0 READ /t/given
0 GET_PERMS /t/given
3 READ /t/given
0 RELEASE 2
0 RESUME 2
0 RESUME 1
