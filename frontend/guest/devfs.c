/*
 * devfs.c - the guest's /dev becomes its kernel's, as devtmpfs is a
 * Linux kernel's: a tmpfs of xpv-guest's own, where its disks appear
 * (/dev/xvda, vbd.c) and go.
 *
 * The /dev the hypervisor built is read-only and locked (docs/hv.md, "A
 * guest's world"); it stays where it is, underneath. A new tmpfs is
 * mounted over it, holding the same entries: each of the old ones that
 * is not a link is bound in (the device nodes are the host's, bound by
 * xpv-hv; the guest could not make them itself, and a bind keeps them
 * usable, since a device's use is checked against the mount it is
 * reached through), the links are made again. The tmpfs is filled while
 * still detached and mounted over /dev in one step, so no process of the
 * guest ever finds /dev half built.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "frontend/guest/guest.h"

static int fs_open(void)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	int mnt;

	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "256k", 0) <
		    0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0755", 0) <
		    0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		close(fs);
		return -errno;
	}
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	close(fs);
	return mnt < 0 ? -errno : mnt;
}

/* One entry of the old /dev (dir) into the new one (mnt). */
static int carry(int dir, int mnt, const char *name)
{
	char target[256];
	struct stat st;
	ssize_t n;
	int tree, fd, err = 0;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dir, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		return symlinkat(target, mnt, name) < 0 ? -errno : 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(mnt, name, st.st_mode & 07777) < 0)
			return -errno;
	} else {
		fd = openat(mnt, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			    0600);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	tree = (int)syscall(SYS_open_tree, dir, name,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return -errno;
	if (syscall(SYS_move_mount, tree, "", mnt, name,
		    MOVE_MOUNT_F_EMPTY_PATH) < 0)
		err = -errno;
	close(tree);
	return err;
}

static int fill(int mnt)
{
	int dir = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *e;
	DIR *d;
	int err = 0;

	if (dir < 0)
		return -errno;
	d = fdopendir(dup(dir));
	if (!d) {
		close(dir);
		return -errno;
	}
	while (!err && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			err = carry(dir, mnt, e->d_name);
	}
	closedir(d);
	close(dir);
	return err;
}

int guest_devfs(struct guest *g)
{
	int mnt, err;

	if (g->devfs)
		return 0;
	mnt = fs_open();
	if (mnt < 0)
		return mnt;
	err = fill(mnt);
	if (!err && syscall(SYS_move_mount, mnt, "", AT_FDCWD, "/dev",
			    MOVE_MOUNT_F_EMPTY_PATH) < 0)
		err = -errno;
	close(mnt);
	if (!err)
		g->devfs = true;
	return err;
}
