/* libclaims: binding and stepping helpers shared by the store files. */
#include "config.h"

#include <string.h>

#include "crypt.h"
#include "jsonw.h"
#include "store.h"

int
claims__bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

int
claims__bind_money(sqlite3_stmt *s, int i, struct claims__money m)
{
	if (!m.has)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, m.cents);
}

int
claims__bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	if (id <= 0)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, id);
}

int
claims__step_done(claims_db *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		sqlite3_reset(s);
		return CLAIMS_OK;
	}
	return claims__step_error(db, s, rc, what);
}

int
claims__step_error(claims_db *db, sqlite3_stmt *s, int rc, const char *what)
{
	rc = claims__sqlite_error(db, rc, what);
	sqlite3_reset(s);
	return rc;
}

int
claims__stmt_oom(claims_db *db, sqlite3_stmt *s)
{
	if (s)
		sqlite3_reset(s);
	return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
}

int
claims__step_one(claims_db *db, sqlite3_stmt *s, const char *what, bool *found)
{
	int rc = sqlite3_step(s);

	*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		return CLAIMS_OK;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return CLAIMS_OK;
	}
	return claims__step_error(db, s, rc, what);
}

bool
claims__strv_push(char ***arr, size_t *n, const char *v)
{
	char **a = claims__realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!a)
		return false;
	*arr = a;
	a[*n] = claims__strdup(v ? v : "");
	if (!a[*n])
		return false;
	(*n)++;
	return true;
}

void
claims__strv_free(char **a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		claims__free(a[i]);
	claims__free(a);
}

char *
claims__issues_json(const struct claims__issue_list *issues, const char *file_name)
{
	struct claims__buf b = { 0 };
	struct claims__jsonw w;

	claims__jsonw_init(&w, &b);
	claims__jsonw_array_begin(&w);
	for (size_t i = 0; issues && i < issues->count; i++) {
		const struct claims__issue_copy *is = &issues->items[i];

		claims__jsonw_object_begin(&w);
		claims__jsonw_kv_string(&w, "file", file_name ? file_name : "unknown");
		claims__jsonw_location(&w, is->interchange, is->transaction, is->segment_index,
				       is->byte_offset);
		claims__jsonw_kv_string(&w, "segment_id", is->segment_id);
		claims__jsonw_kv_string(&w, "element", is->element);
		claims__jsonw_kv_string(&w, "code", is->code);
		claims__jsonw_kv_string(&w, "severity", claims_x12_severity_to_str(is->severity));
		claims__jsonw_kv_string(&w, "message", is->message);
		claims__jsonw_key(&w, "details");
		claims__jsonw_raw(&w, is->details ? is->details : "{}");
		claims__jsonw_object_end(&w);
	}
	claims__jsonw_array_end(&w);
	return claims__buf_take(&b);
}

char *
claims__codes_json(const char *const *codes, size_t n)
{
	struct claims__buf b = { 0 };
	struct claims__jsonw w;

	claims__jsonw_init(&w, &b);
	claims__jsonw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		claims__jsonw_string(&w, codes[i]);
	claims__jsonw_array_end(&w);
	return claims__buf_take(&b);
}


void
claims__jsonw_location(struct claims__jsonw *w, int64_t interchange, int64_t transaction,
		       int64_t segment_index, int64_t byte_offset)
{
	claims__jsonw_kv_int_or_null(w, "interchange", interchange > 0, interchange);
	claims__jsonw_kv_int_or_null(w, "transaction", transaction > 0, transaction);
	claims__jsonw_kv_int_or_null(w, "segment_index", segment_index > 0, segment_index);
	claims__jsonw_kv_int_or_null(w, "byte_offset", byte_offset >= 0, byte_offset);
}

int
claims__raw_prepare(claims_db *db, struct claims__raw *r, const char *ad, const void *data,
		    size_t len)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->data = data;
	r->len = len;
	if (!data || !db->data_key)
		return CLAIMS_OK;
	rc = claims__crypt_seal(&r->owned, &r->len, db->data_key, ad, data, len);
	if (rc < 0)
		return claims__set_error(db, rc, "out of memory");
	r->data = r->owned;
	r->sealed = true;
	return CLAIMS_OK;
}

void
claims__raw_bind(sqlite3_stmt *s, int i_data, int i_flag, const struct claims__raw *r)
{
	if (r->data)
		sqlite3_bind_blob(s, i_data, r->data, (int)r->len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i_data);
	sqlite3_bind_int(s, i_flag, r->sealed ? 1 : 0);
}

void
claims__raw_clear(struct claims__raw *r)
{
	claims__free(r->owned);
	memset(r, 0, sizeof(*r));
}
