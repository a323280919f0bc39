/* tap: non-persistent TAP devices through /dev/net/tun. See tap.h.
 *
 * The device is created by the first TUNSETIFF and lives exactly as long as
 * its queues' fds: we never call TUNSETPERSIST, so a crash anywhere leaks
 * nothing. Further queues of a multi-queue TAP attach by name. */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define TUN_PATH "/dev/net/tun"

int tap_open_tun(unsigned queues, int *fds)
{
	if (queues == 0 || queues > TAP_MAX_QUEUES)
		return -EINVAL;
	for (unsigned i = 0; i < queues; i++)
		fds[i] = -1;
	for (unsigned i = 0; i < queues; i++) {
		fds[i] = open(TUN_PATH, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fds[i] < 0) {
			int err = -errno;

			for (unsigned j = 0; j < i; j++) {
				close(fds[j]);
				fds[j] = -1;
			}
			return err;
		}
	}
	return 0;
}

static int set_iff(int fd, const char *name, short flags, char out[IFNAMSIZ])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	if (name)
		memcpy(ifr.ifr_name, name, IFNAMSIZ);   /* NUL-terminated by the kernel */
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return -errno;
	if (out) {
		memcpy(out, ifr.ifr_name, IFNAMSIZ);
		out[IFNAMSIZ - 1] = '\0';
	}
	return 0;
}

int tap_create(const struct tap_req *req, const int *fds, struct tap_dev *out)
{
	unsigned int features = 0;
	short flags = IFF_TAP | IFF_NO_PI;
	int r;

	if (req->queues == 0 || req->queues > TAP_MAX_QUEUES || req->sndbuf < 0)
		return -EINVAL;
	if (ioctl(fds[0], TUNGETFEATURES, &features) < 0)
		return -errno;
	if (req->vnet_hdr && (features & IFF_VNET_HDR))
		flags |= IFF_VNET_HDR;
	if (req->queues > 1) {
		if (!(features & IFF_MULTI_QUEUE))
			return -EOPNOTSUPP;
		flags |= IFF_MULTI_QUEUE;
	}
	r = set_iff(fds[0], NULL, flags, out->name);
	if (r < 0)
		return r;
	for (unsigned i = 1; i < req->queues; i++) {
		r = set_iff(fds[i], out->name, flags, NULL);
		if (r < 0)
			return r;
	}
	if (ioctl(fds[0], TUNSETOWNER, (unsigned long)req->owner) < 0)
		return -errno;
	/* The kernel applies the device's sndbuf to every queue. */
	if (req->sndbuf > 0 && ioctl(fds[0], TUNSETSNDBUF, &req->sndbuf) < 0)
		return -errno;
	out->vnet_hdr = (flags & IFF_VNET_HDR) != 0;
	return 0;
}
