/*
 * libclaims: spool files written sealed with the handle's data key
 * (claims/raw.h, crypt.h: additional data "spool").
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "claims/raw.h"
#include "crypt.h"
#include "internal.h"

struct claims_spool_writer {
	claims_db *db;
	int fd;
	bool sealed, finished;
	struct claims__crypt_writer w;
};

/* A claims__crypt_sink, and the plain path: every byte to the descriptor. */
static int
fd_sink(const void *data, size_t len, void *payload)
{
	claims_spool_writer *sw = payload;
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t n = write(sw->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return claims__set_error(sw->db, CLAIMS_EIO, "cannot write the spool file: %s",
						 strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return CLAIMS_OK;
}

int
claims_spool_writer_new(claims_spool_writer **out, claims_db *db, int fd)
{
	claims_spool_writer *sw;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db || fd < 0)
		return CLAIMS_EINVAL;
	sw = claims__calloc(1, sizeof(*sw));
	if (!sw)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	sw->db = db;
	sw->fd = fd;
	if (db->data_key) {
		sw->sealed = true;
		rc = claims__crypt_writer_init(&sw->w, db->data_key, CLAIMS__AD_SPOOL, fd_sink, sw);
		if (rc < 0) {
			if (rc == CLAIMS_ENOMEM)
				claims__set_error(db, rc, "out of memory");
			claims_spool_writer_free(sw);
			return rc;
		}
	}
	*out = sw;
	return CLAIMS_OK;
}

int
claims_spool_writer_write(claims_spool_writer *sw, const void *data, size_t len)
{
	if (!sw || (!data && len) || sw->finished)
		return CLAIMS_EINVAL;
	if (len == 0)
		return CLAIMS_OK;
	return sw->sealed ? claims__crypt_writer_write(&sw->w, data, len) : fd_sink(data, len, sw);
}

int
claims_spool_writer_finish(claims_spool_writer *sw)
{
	if (!sw || sw->finished)
		return CLAIMS_EINVAL;
	sw->finished = true;
	return sw->sealed ? claims__crypt_writer_finish(&sw->w) : CLAIMS_OK;
}

bool
claims_spool_writer_sealed(const claims_spool_writer *sw)
{
	return sw && sw->sealed;
}

void
claims_spool_writer_free(claims_spool_writer *sw)
{
	if (!sw)
		return;
	if (sw->sealed)
		claims__crypt_writer_clear(&sw->w);
	claims__free(sw);
}
