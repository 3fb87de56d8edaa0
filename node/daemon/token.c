/*
 * token — the admin token file. See token.h.
 */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/hex.h"

/* Writes all of buf, or fails with errno set. */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		buf += w, len -= (size_t)w;
	}
	return 0;
}

/* Syncs the folder of path, so that the new name survives a crash. */
static int
sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd, rc;
	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -ENAMETOOLONG;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	rc = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

static int
create(const char *path, char out[TOKEN_MAX + 1], char *err, size_t errcap)
{
	char tmp[PATH_MAX], line[2 * 32 + 1];
	uint8_t raw[32];
	int fd = -1, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		err_set(err, errcap, "admin token path %s is too long", path);
		return -1;
	}
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		err_set(err, errcap, "cannot draw random bytes for the admin token");
		return -1;
	}
	hex_encode(raw, sizeof(raw), out);
	OPENSSL_cleanse(raw, sizeof(raw));
	memcpy(line, out, 64);
	line[64] = '\n';
	/* mkstemp makes the file 0600 whatever the umask. */
	if ((fd = mkstemp(tmp)) < 0) {
		err_set(err, errcap, "cannot create the admin token next to %s: %s", path,
		        strerror(errno));
		goto done;
	}
	if (write_all(fd, line, sizeof(line)) != 0 || fsync(fd) != 0) {
		err_set(err, errcap,
		        "cannot write the admin token to %s: %s (nothing was left behind; free "
		        "space in its folder and start again)",
		        path, strerror(errno));
		goto unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		err_set(err, errcap, "cannot write the admin token to %s: %s", path,
		        strerror(errno));
		goto unlink;
	}
	fd = -1;
	/* link, unlike rename, never replaces a file another process made meanwhile. */
	if (link(tmp, path) != 0) {
		err_set(err, errcap, "cannot put the admin token in place at %s: %s", path,
		        strerror(errno));
		goto unlink;
	}
	unlink(tmp);
	if ((rc = sync_dir(path)) != 0) {
		err_set(err, errcap, "cannot sync the folder of the admin token %s: %s", path,
		        strerror(-rc));
		unlink(path);
		rc = -1;
		goto done;
	}
	rc = 0;
	goto done;
unlink:
	unlink(tmp);
done:
	if (fd >= 0)
		close(fd);
	OPENSSL_cleanse(line, sizeof(line));
	if (rc != 0)
		OPENSSL_cleanse(out, TOKEN_MAX + 1);
	return rc;
}

int
token_load(const char *path, char out[TOKEN_MAX + 1], bool *created, char *err, size_t errcap)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char buf[TOKEN_MAX + 16];
	ssize_t len;

	*created = false;
	if (fd < 0 && errno == ENOENT) {
		if (create(path, out, err, errcap) != 0)
			return -1;
		*created = true;
		return 0;
	}
	if (fd < 0) {
		err_set(err, errcap, "cannot open the admin token %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		err_set(err, errcap, "admin token %s must be a file of mode 0600 (chmod 600 %s)",
		        path, path);
		return -1;
	}
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0) {
		err_set(err, errcap, "cannot read the admin token %s: %s", path, strerror(errno));
		return -1;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (len < 32 || len > TOKEN_MAX || strspn(buf, "0123456789abcdefABCDEF-_") != (size_t)len) {
		OPENSSL_cleanse(buf, sizeof(buf));
		err_set(err, errcap,
		        "admin token %s must hold one line of 32 to %d hex characters; delete it "
		        "to have a new one made at the next start",
		        path, TOKEN_MAX);
		return -1;
	}
	memcpy(out, buf, (size_t)len + 1);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}
