/* Fixed-window rate limits per client (spec/security.md §3). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

/* A tracked client: in a hash chain and in the recency list. */
struct client {
	struct client *next_hash;
	struct client *newer, *older;
	int64_t minute, hour;   /* the windows the counts belong to */
	long minute_count, hour_count;
	uint64_t hash;
	char key[];
};

struct ratelimit {
	pthread_mutex_t lock;
	long per_minute, per_hour;
	size_t max_clients, count;
	struct client **buckets;
	size_t nbuckets;              /* a power of two */
	struct client *newest, *oldest;
};

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct ratelimit *
ratelimit_new(long per_minute, long per_hour, size_t max_clients)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));
	size_t n = 1024;

	if (!rl)
		return NULL;
	while (n < max_clients && n < ((size_t)1 << 24))
		n <<= 1;
	rl->buckets = calloc(n, sizeof(*rl->buckets));
	if (!rl->buckets) {
		free(rl);
		return NULL;
	}
	rl->nbuckets = n;
	rl->per_minute = per_minute;
	rl->per_hour = per_hour;
	rl->max_clients = max_clients ? max_clients : 1;
	pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct client *c, *next;

	if (!rl)
		return;
	for (c = rl->newest; c; c = next) {
		next = c->older;
		free(c);
	}
	free(rl->buckets);
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static void
unlink_recency(struct ratelimit *rl, struct client *c)
{
	if (c->newer)
		c->newer->older = c->older;
	else
		rl->newest = c->older;
	if (c->older)
		c->older->newer = c->newer;
	else
		rl->oldest = c->newer;
	c->newer = c->older = NULL;
}

static void
push_newest(struct ratelimit *rl, struct client *c)
{
	c->older = rl->newest;
	c->newer = NULL;
	if (rl->newest)
		rl->newest->newer = c;
	rl->newest = c;
	if (!rl->oldest)
		rl->oldest = c;
}

static void
drop_oldest(struct ratelimit *rl)
{
	struct client *victim = rl->oldest, **pp;

	if (!victim)
		return;
	unlink_recency(rl, victim);
	for (pp = &rl->buckets[victim->hash & (rl->nbuckets - 1)]; *pp; pp = &(*pp)->next_hash) {
		if (*pp == victim) {
			*pp = victim->next_hash;
			break;
		}
	}
	free(victim);
	rl->count--;
}

/* The client of @p key, made when new; NULL when out of memory. */
static struct client *
find_or_add(struct ratelimit *rl, const char *key)
{
	uint64_t h = hash_key(key);
	struct client **head = &rl->buckets[h & (rl->nbuckets - 1)], *c;
	size_t len;

	for (c = *head; c; c = c->next_hash) {
		if (c->hash == h && strcmp(c->key, key) == 0) {
			unlink_recency(rl, c);
			push_newest(rl, c);
			return c;
		}
	}
	if (rl->count >= rl->max_clients)
		drop_oldest(rl);
	len = strlen(key);
	c = calloc(1, sizeof(*c) + len + 1);
	if (!c)
		return NULL;
	memcpy(c->key, key, len + 1);
	c->hash = h;
	c->minute = c->hour = -1;
	/* The bucket head may have changed if the dropped client shared it. */
	head = &rl->buckets[h & (rl->nbuckets - 1)];
	c->next_hash = *head;
	*head = c;
	push_newest(rl, c);
	rl->count++;
	return c;
}

static long
remaining(long limit, long count)
{
	return count >= limit ? 0 : limit - count;
}

void
ratelimit_check(struct ratelimit *rl, const char *key, int64_t now, struct ratelimit_result *out)
{
	int64_t minute = now / 60, hour = now / 3600;
	struct client *c;

	memset(out, 0, sizeof(*out));
	out->limit_minute = rl->per_minute;
	out->limit_hour = rl->per_hour;
	out->reset = (int)(60 - now % 60);
	pthread_mutex_lock(&rl->lock);
	c = find_or_add(rl, key);
	if (!c) {
		/* Out of memory: let the request through uncounted rather
		 * than refuse every client. */
		pthread_mutex_unlock(&rl->lock);
		out->allowed = true;
		out->remaining_minute = rl->per_minute;
		out->remaining_hour = rl->per_hour;
		return;
	}
	if (c->minute != minute) {
		c->minute = minute;
		c->minute_count = 0;
	}
	if (c->hour != hour) {
		c->hour = hour;
		c->hour_count = 0;
	}
	/* The hour is looked at first: when both are spent, waiting for
	 * the minute to end would not help. */
	if (c->hour_count >= rl->per_hour) {
		out->window = "hour";
		out->retry_after = (int)(3600 - now % 3600);
	} else if (c->minute_count >= rl->per_minute) {
		out->window = "minute";
		out->retry_after = (int)(60 - now % 60);
	} else {
		out->allowed = true;
		c->minute_count++;
		c->hour_count++;
	}
	out->remaining_minute = remaining(rl->per_minute, c->minute_count);
	out->remaining_hour = remaining(rl->per_hour, c->hour_count);
	pthread_mutex_unlock(&rl->lock);
}

size_t
ratelimit_clients(struct ratelimit *rl)
{
	size_t n;

	pthread_mutex_lock(&rl->lock);
	n = rl->count;
	pthread_mutex_unlock(&rl->lock);
	return n;
}
