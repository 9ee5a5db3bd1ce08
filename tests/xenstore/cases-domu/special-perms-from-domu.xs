# A domU may not set the permissions of @introduceDomain/@releaseDomain
# unless it owns them: EACCES. Debian's xenstored 4.17 computes EACCES and
# then answers errno instead (stale: often EAGAIN, or no reply and an
# abort), so the reference is not asked; ours must say EACCES.
3 SET_PERMS @introduceDomain n0 !expect=EACCES
3 SET_PERMS @releaseDomain n0 b1 !expect=EACCES
# dom0 may, and the domU's watch on them follows (no event: no read perm).
0 SET_PERMS @releaseDomain n0 r1
3 WATCH @releaseDomain rel
