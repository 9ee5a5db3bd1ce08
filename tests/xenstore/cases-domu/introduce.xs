# XS_INTRODUCE of a domain while others watch @introduceDomain ({late} is
# the new domain's id, store frame and port; differential.sh prepares it
# and adds its ring as the last connection, here 5 with XS_DOMU=2).
0 WATCH @introduceDomain intro0
3 WATCH @introduceDomain intro1
0 SET_PERMS @introduceDomain n0 r1
4 WATCH @introduceDomain intro2
0 IS_DOMAIN_INTRODUCED 3
0 INTRODUCE {late}
0 IS_DOMAIN_INTRODUCED 3
5 GET_DOMAIN_PATH 3
5 WRITE x v
0 READ /local/domain/3/x
5 READ /local/domain/1
# Introducing it again, and privileged requests from the new domain.
0 INTRODUCE {late}
5 READ x
5 INTRODUCE {late}
5 IS_DOMAIN_INTRODUCED 3
