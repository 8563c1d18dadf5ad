/* The migrations compiled from sql/ by sql/embed_sql.py. */
#ifndef CLAIMS_MIGRATIONS_H
#define CLAIMS_MIGRATIONS_H

struct claims__migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct claims__migration claims__migrations[];
extern const int claims__migration_count;

#endif /* CLAIMS_MIGRATIONS_H */
